"""Leave-one-keyword-out measurement of backbone heads (docs/custom-keywords.md).

  eval_head.py --head H.tflite [--head H2.tflite ...] --positives DIR --negatives DIR [--negatives DIR ...]
               [--snr 10] [--out CSV]

Positives: every clip in DIR (recursive), in streams of 20 clips as kws-eval
builds them (tools/eval/streams.cc): each clip in its own region of 1 s of
background + clip + 1 s (the first region 1 s longer), the background a
stretch of one held-out noise file (the last 25 % of each shared noise file,
augment.load_noise_bank 'test'; file and start drawn per stream) scaled so that
the clip's word (located by dataset.locate_word, the same rule as kws-eval) is
`snr` dB above it. A clip is detected if the head triggers from the word start
to 1 s after the word end.

Negatives: the audio files of each --negatives folder concatenated in sorted
order into streams of at most 10 min, with held-out noise under them by
kws-eval's rule (tools/eval/streams.h, branch noisy-eval): each file gets one
noise file and start (drawn per file), continuing across the file's equal parts
of at most 10 s; each part's noise is scaled so that its loudest voiced run
(dataset.locate_word) is `snr` dB above the noise over that part, a part
without a voiced run uses its mean power, a digitally silent part keeps the
noise level of the nearest part that has one. Every trigger on a negative
stream is a false accept.

Scores: the head's float layers (H.layers.npz, written beside the .tflite by
train_head; tests/train checks that the .tflite gives the same outputs in our
runtime) on embeddings from our C++ runtime (kws-features --embeddings), one
per 80 ms; trigger when the score reaches the threshold, refractory 1 s, no
smoothing. Reported: FRR at the head's default threshold (its metadata) and the
lowest FRR over the threshold grid with FA/h at most 1 and 0.5 (a DET reading,
chosen on the test set itself).
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import augment  # noqa: E402
import dataset  # noqa: E402
import embeddings  # noqa: E402
import head  # noqa: E402
import tflite_export  # noqa: E402
from common import SAMPLE_RATE, TrainError, cache_dir, log, read_audio, rng_for, shared_path, stable_hash, write_wav  # noqa: E402,E501

CLIPS_PER_STREAM = 20
MAX_NEG_STREAM_S = 600.0
HIT_AFTER_S = 1.0
REFRACTORY_STEPS = int(round(1.0 * SAMPLE_RATE / embeddings.STEP_SAMPLES))
GRID = sorted(set([round(x, 4) for x in np.arange(0.05, 0.95, 0.05)] +
                  [round(1 - 10 ** (-e / 8), 7) for e in range(8, 41)]))


def noise_under(x, bank, snr, key, part_s=10.0):
    """Held-out noise for negative audio x by kws-eval's negative rule (see the module doc)."""
    n = _noise(bank, len(x), key)
    k = max(1, int(np.ceil(len(x) / (part_s * SAMPLE_RATE))))
    edges = np.linspace(0, len(x), k + 1).astype(int)
    gains = []
    for a, b in zip(edges[:-1], edges[1:]):
        seg = x[a:b]
        loc = dataset.locate_word(seg.astype(np.float32))
        ps = float(np.mean(np.square(seg[loc[0]:loc[1]]))) if loc else float(np.mean(np.square(seg)))
        pn = float(np.mean(np.square(n[a:b])))
        gains.append(np.sqrt(ps / (pn * 10 ** (snr / 10))) if ps > 0 and pn > 0 else None)
    have = [i for i, g in enumerate(gains) if g is not None]
    out = np.zeros_like(x)
    if not have:
        return out
    for i, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
        g = gains[i] if gains[i] is not None else gains[min(have, key=lambda j: abs(j - i))]
        out[a:b] = g * n[a:b]
    return out


def _noise(bank, n, key):
    names = sorted(bank)
    r = rng_for("evalnoise", key)
    src = bank[names[int(r.integers(len(names)))]]
    s = int(r.integers(len(src)))
    return np.resize(np.roll(src, -s), n).astype(np.float64)


def positive_streams(folder, snr, out_dir):
    """Writes the positive streams; returns [(wav, [(word_start, hit_end)])] and the clip count."""
    files = dataset.list_audio(folder, "--positives")
    bank = augment.load_noise_bank(shared_path, "test")
    os.makedirs(out_dir, exist_ok=True)
    out, used = [], 0
    for si in range(0, len(files), CLIPS_PER_STREAM):
        chunk = files[si:si + CLIPS_PER_STREAM]
        path = os.path.join(out_dir, f"pos_{si // CLIPS_PER_STREAM:03d}.wav")
        meta = path[:-4] + ".json"
        if not os.path.exists(meta):
            parts, truth, pos, skipped = [], [], 0, []
            for k, f in enumerate(chunk):
                try:
                    x = read_audio(f).astype(np.float64)
                except TrainError as e:
                    skipped.append(str(e))
                    continue
                loc = dataset.locate_word(x.astype(np.float32))
                if loc is None:
                    skipped.append(f"{f}: silent")
                    continue
                before = SAMPLE_RATE + (SAMPLE_RATE if not parts else 0)
                region = before + len(x) + SAMPLE_RATE
                y = np.zeros(region)
                y[before:before + len(x)] = x
                if bank:
                    n = _noise(bank, region, f"{snr}|{path}|{k}")
                    ps = float(np.mean(np.square(x[loc[0]:loc[1]])))
                    pn = float(np.mean(np.square(n)))
                    if pn > 0 and ps > 0:
                        y += np.sqrt(ps / (pn * 10 ** (snr / 10))) * n
                truth.append([pos + before + loc[0], pos + before + loc[1] + int(HIT_AFTER_S * SAMPLE_RATE)])
                parts.append(y)
                pos += region
            write_wav(path, np.clip(np.concatenate(parts), -1, 1).astype(np.float32))
            with open(meta, "w") as fo:
                json.dump({"truth": truth, "skipped": skipped}, fo)
        with open(meta) as fi:
            m = json.load(fi)
        out.append((path, m["truth"]))
        used += len(m["truth"])
    return out, used, len(files)


def negative_streams(folders, snr, out_dir):
    bank = augment.load_noise_bank(shared_path, "test")
    os.makedirs(out_dir, exist_ok=True)
    out = []
    for folder in folders:
        files = dataset.list_audio(folder, "--negatives")
        group, cur, cur_n = os.path.basename(os.path.normpath(folder)), [], 0

        def flush():
            if not cur:
                return
            path = os.path.join(out_dir, f"neg_{group}_{len(out):03d}_{stable_hash('|'.join(cur)) % 10**8:08d}.wav")
            if not os.path.exists(path):
                parts = []
                for f in cur:
                    x = read_audio(f).astype(np.float64)
                    parts.append(x + noise_under(x, bank, snr, f"{snr}|{f}") if bank else x)
                write_wav(path, np.clip(np.concatenate(parts), -1, 1).astype(np.float32))
            out.append(path)

        for f in files:
            try:
                n = len(read_audio(f))
            except TrainError as e:
                log(f"eval_head: skipped negative {e}")
                continue
            if n == 0:
                continue
            if cur and (cur_n + n) / SAMPLE_RATE > MAX_NEG_STREAM_S:
                flush()
                cur, cur_n = [], 0
            cur.append(f)
            cur_n += n
        flush()
    return out


def load_layers(tflite_path):
    npz = np.load(tflite_path[:-len(".tflite")] + ".layers.npz")
    n = len([k for k in npz.files if k.startswith("w")])
    return [(npz[f"w{i}"], npz[f"b{i}"]) for i in range(n)]


def head_scores(layers, emb):
    out = np.zeros(len(emb), np.float32)
    if len(emb) < head.WINDOW:
        return out
    x = np.lib.stride_tricks.sliding_window_view(emb, (head.WINDOW, emb.shape[1]))[:, 0].reshape(
        -1, head.WINDOW * emb.shape[1]).astype(np.float32)
    for i, (w, b) in enumerate(layers):
        x = x @ w.T + b
        if i < len(layers) - 1:
            x = np.maximum(x, 0)
    out[head.WINDOW - 1:] = 1.0 / (1.0 + np.exp(-x[:, 0]))
    return out


def evaluate(layers, pos, pos_embs, neg_embs):
    """{threshold: (misses, clips, false accepts)}."""
    pos_sc = [head_scores(layers, e) for e in pos_embs]
    neg_sc = [head_scores(layers, e) for e in neg_embs]
    clips = sum(len(t) for _, t in pos)
    res = {}
    for thr in GRID:
        fa = sum(len(head.triggers(s, thr, REFRACTORY_STEPS)) for s in neg_sc)
        miss = 0
        for (_, truth), s in zip(pos, pos_sc):
            tr = np.array([embeddings.step_end_sample(k) for k in head.triggers(s, thr, REFRACTORY_STEPS)])
            for a, b in truth:
                if not ((tr >= a) & (tr <= b)).any():
                    miss += 1
        res[thr] = (miss, clips, fa)
    return res


def summary(res, hours, default_thr):
    def at(target):
        ok = [(m / c, t, fa) for t, (m, c, fa) in res.items() if fa / hours <= target]
        return min(ok) if ok else None

    near = min(res, key=lambda t: abs(t - default_thr))
    m, c, fa = res[near]
    return {"frr_at_1": at(1.0), "frr_at_0.5": at(0.5), "default": (near, m / c, fa / hours)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--head", action="append", required=True)
    ap.add_argument("--positives", required=True)
    ap.add_argument("--negatives", action="append", required=True)
    ap.add_argument("--snr", type=float, default=10.0)
    ap.add_argument("--out", help="CSV of the sweep (head, threshold, misses, clips, false accepts, hours)")
    a = ap.parse_args(argv)
    try:
        work = cache_dir("eval_head", f"snr{a.snr:g}")
        tag = os.path.basename(os.path.normpath(a.positives))
        pos, used, total = positive_streams(a.positives, a.snr, os.path.join(work, "pos_" + tag))
        negs = negative_streams(a.negatives, a.snr, os.path.join(work, "neg"))
        log(f"eval_head: {used} of {total} clips in {len(pos)} streams, {len(negs)} negative streams")
        pos_embs = embeddings.compute([p for p, _ in pos], os.path.join(work, "emb_pos_" + tag))
        key = stable_hash("|".join(negs)) % 10**8
        neg_embs = embeddings.compute(negs, os.path.join(work, f"emb_neg_{key:08d}"))
        hours = sum(len(e) for e in neg_embs) * embeddings.STEP_SAMPLES / SAMPLE_RATE / 3600
        rows = []
        for h in a.head:
            meta = tflite_export.read_metadata(h) or ""
            thr = float(dict(line.split("=", 1) for line in meta.splitlines() if "=" in line).get("threshold", 0.5))
            res = evaluate(load_layers(h), pos, pos_embs, neg_embs)
            s = summary(res, hours, thr)
            fmt = lambda r: "none" if r is None else f"{100 * r[0]:.1f} % (t={r[1]}, {r[2]} FA)"  # noqa: E731
            print(f"{h}: {used} clips, negatives {hours:.3f} h (1 FA = {1 / hours:.3f} FA/h), SNR {a.snr:g} dB; "
                  f"FRR @1 FA/h {fmt(s['frr_at_1'])}; @0.5 FA/h {fmt(s['frr_at_0.5'])}; at default threshold "
                  f"{s['default'][0]}: {100 * s['default'][1]:.1f} % at {s['default'][2]:.2f} FA/h")
            rows += [(h, t, m, c, fa, round(hours, 4)) for t, (m, c, fa) in sorted(res.items())]
        if a.out:
            with open(a.out, "w") as f:
                f.write("head,threshold,misses,clips,false_accepts,neg_hours\n")
                for r in rows:
                    f.write(",".join(str(v) for v in r) + "\n")
    except TrainError as e:
        log(f"eval_head: error: {e}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
