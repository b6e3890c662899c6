"""Trains, quantizes, exports and evaluates a keyword model end to end.

    /usr/bin/python3 tools/train/train.py            # the shipped default
    /usr/bin/python3 tools/train/train.py --stage stage2

The default stage-1 model: labels silence, unknown, computer, jarvis; trained on
the train split of the shared wake-word recordings, synthetic speech, near
misses, negative speech and noise (dataset.py); evaluated on the fixed test
split. Writes models/<name>.tflite, <name>.md, and the manifest and logs in
the cache.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time

import numpy as np
import torch

import dataset
import evaluate
import features
import intsim
import model as model_lib
import quantize
import synth
import tflite_export
from common import FRONTEND, REPO_ROOT, TrainError, cache_dir, log, shared_path

STAGES = {"stage1": {"model": "tc1v", "window_frames": 49, "stride_frames": 2, "smoothing_frames": 3},
          "stage2": {"model": "tc2", "window_frames": 74, "stride_frames": 4, "smoothing_frames": 1}}


def default_spec(stage):
    return {
        "name": "kwsd_default" if stage == "stage1" else "kwsd_default_stage2",
        "stage": stage,
        "keywords": {"computer": {"real_dir": "keywords/wwb/computer", "text": "computer"},
                     "jarvis": {"real_dir": "keywords/wwb/jarvis", "text": "jarvis"}},
        "unknown_real_dirs": ["keywords/wwb/alexa", "keywords/wwb/snowboy"],
        # The spec that trained models/kwsd_default.tflite (see its card).
        "real_copies": 8, "synth_positives": 200, "synth_copies": 2,
        "near_misses": 200, "near_miss_copies": 1, "speech_seconds_per_crop": 2.5,
        "noise_segments": 1500, "epochs": 12, "seed": 1,
        "out": os.path.join(REPO_ROOT, "models", "kwsd_default" if stage == "stage1" else "kwsd_default_stage2"),
    }


def metadata_text(labels, keywords, quant, st, thresholds, min_count=2, refractory_ms=1000):
    fe = FRONTEND
    lines = ["kwsd_metadata=1", "labels=" + ",".join(labels), "keywords=" + ",".join(keywords)]
    for k in ("features", "sample_rate", "window_samples", "hop_samples", "fft_size", "window",
              "spectrum", "mel_bins", "fmin", "fmax", "log_offset", "num_mfcc"):
        lines.append(f"{k}={fe[k]}")
    lines += [f"quant_scale={quant[0]:.9g}", f"quant_zero_point={quant[1]}",
              f"window_frames={st['window_frames']}", f"stride_frames={st['stride_frames']}",
              f"smoothing_frames={st['smoothing_frames']}", "threshold=0.8",
              f"min_count={min_count}", f"refractory_ms={refractory_ms}"]
    for k in keywords:
        lines.append(f"threshold.{k}={thresholds[k]:.3f}")
    return "\n".join(lines) + "\n"


def build_entries(spec, b, labels):
    """Fills Builder b from the spec. Returns {label: [test files]} for streams."""
    test_files = {}
    for kw, src in spec["keywords"].items():
        n_real = 0
        if src.get("real_dir"):
            files = dataset.list_audio(shared_path(src["real_dir"]) if not os.path.isabs(src["real_dir"])
                                       else src["real_dir"], f"keyword {kw!r}")
            located = dataset.check_clips(files, kw)
            test_files[kw] = [f for f in located if dataset.split_of(f) == "test"]
            val = {f: v for f, v in located.items() if dataset.split_of(f) != "test" or src.get("train_on_test")}
            b.add_keyword_clips(kw, val, spec["real_copies"])
            n_real = len(val)
        if src.get("test_dir"):  # real recordings used only for measuring
            tfiles = dataset.list_audio(src["test_dir"], f"test recordings of {kw!r}")
            test_files[kw] = sorted(dataset.check_clips(tfiles, kw))
        pos = synth.positives(src["text"], spec["synth_positives"], spec["seed"])
        b.add_synth(kw, "synth", pos, spec["synth_copies"], real=spec.get("synth_realism", False))
        neg = synth.negatives(src["text"], spec["near_misses"], spec["seed"])
        b.add_synth("unknown", "nearmiss", neg, spec["near_miss_copies"], real=spec.get("synth_realism", False))
        log(f"{kw}: {n_real} real clips (non-test), {len(pos)} synthetic, {len(neg)} near misses")
        if n_real + len(pos) == 0:
            raise TrainError(f"label {kw!r} has no clips; refusing to train on nothing")
    for d in spec.get("unknown_real_dirs", []):
        files = dataset.list_audio(shared_path(d), "unknown words")
        located = dataset.check_clips(files, "unknown")
        b.add_keyword_clips("unknown", {f: v for f, v in located.items() if dataset.split_of(f) != "test"}, 2)
    speech = []
    for d in dataset.SPEECH_DIRS:
        if os.path.isdir(shared_path(d)):
            speech += dataset.list_audio(shared_path(d), "negative speech")
    if not speech:
        raise TrainError("no negative speech found under " + shared_path("speech"))
    b.add_speech_crops([f for f in speech if dataset.split_of(f) != "test"], spec["speech_seconds_per_crop"])
    test_files["_negatives"] = [f for f in speech if dataset.split_of(f) == "test"]
    test_files["_val_negatives"] = [f for f in speech if dataset.split_of(f) == "val"]
    b.add_noise(spec["noise_segments"])
    counts = {}
    for e in b.entries:
        counts[(e["label"], e["split"])] = counts.get((e["label"], e["split"]), 0) + 1
    for lab in labels:
        n = counts.get((lab, "train"), 0)
        if n == 0:
            raise TrainError(f"label {lab!r} has no training clips; refusing to train")
    log("entries: " + ", ".join(f"{k[0]}/{k[1]}={v}" for k, v in sorted(counts.items())))
    return test_files


def train_float(spec, X, y, Xv, yv, quant, labels, st, log_lines):
    torch.manual_seed(spec["seed"])
    # One thread by default: on a shared 2-core machine two threads spin against
    # other work and ran 10-80x slower per epoch here. KWS_TRAIN_THREADS=2 when idle.
    torch.set_num_threads(int(os.environ.get("KWS_TRAIN_THREADS", "1")))
    net = model_lib.make(st["window_frames"], FRONTEND["mel_bins"], len(labels), st["model"])
    deq = lambda a: torch.from_numpy((a.astype(np.float32) - quant[1]) * quant[0])  # noqa: E731
    Xt, yt = deq(X), torch.from_numpy(y.astype(np.int64))
    Xvt, yvt = deq(Xv), torch.from_numpy(yv.astype(np.int64))
    freq = np.bincount(y, minlength=len(labels)).astype(np.float64)
    w = torch.tensor((freq.sum() / np.maximum(freq, 1)) ** 0.5, dtype=torch.float32)
    w = w / w.mean()
    lossf = torch.nn.CrossEntropyLoss(weight=w, label_smoothing=0.05)
    epochs, bs = spec["epochs"], 128
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-3)
    steps = epochs * ((len(Xt) + bs - 1) // bs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.15)
    g = torch.Generator().manual_seed(spec["seed"])
    best, best_state = -1.0, None
    for ep in range(epochs):
        t0 = time.time()
        net.train()
        perm = torch.randperm(len(Xt), generator=g)
        tot, correct, n = 0.0, 0, 0
        for i in range(0, len(perm), bs):
            idx = perm[i:i + bs]
            xb = Xt[idx]
            # Time shift by up to 3 frames (rolled): robustness to window alignment.
            sh = int(torch.randint(-3, 4, (1,), generator=g))
            if sh:
                xb = torch.roll(xb, sh, dims=1)
            opt.zero_grad()
            out = net(xb)
            loss = lossf(out, yt[idx])
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss) * len(idx)
            correct += int((out.argmax(1) == yt[idx]).sum())
            n += len(idx)
        net.eval()
        with torch.no_grad():
            vp = torch.cat([net(Xvt[i:i + 512]).argmax(1) for i in range(0, len(Xvt), 512)])
        vacc = float((vp == yvt).float().mean())
        line = (f"epoch {ep + 1:2d}/{epochs} loss {tot / n:.4f} train_acc {correct / n:.4f} "
                f"val_acc {vacc:.4f} ({time.time() - t0:.0f} s)")
        log(line)
        log_lines.append(line)
        if vacc >= best:
            best, best_state = vacc, {k: v.clone() for k, v in net.state_dict().items()}
    net.load_state_dict(best_state)
    net.eval()
    return net, best


def float_predict(net, X, quant):
    with torch.no_grad():
        xt = torch.from_numpy((X.astype(np.float32) - quant[1]) * quant[0])
        return torch.cat([torch.softmax(net(xt[i:i + 512]), 1) for i in range(0, len(xt), 512)]).numpy()


def run(spec, standin=False):
    t_start = time.time()
    features.use_standin(standin)
    st = dict(STAGES[spec["stage"]])
    if spec.get("model"):  # another architecture (model.CONFIGS) for the same stage and data
        st["model"] = spec["model"]
    labels = ["silence", "unknown"] + list(spec["keywords"])
    work = cache_dir("runs", spec["name"])
    b = dataset.Builder(st["window_frames"], spec["seed"])
    test_files = build_entries(spec, b, labels)
    entries = [e for e in b.entries if e["split"] in ("train", "val")]
    # Test segments: the held-out keyword clips and negative crops, unaugmented.
    tb = dataset.Builder(st["window_frames"], spec["seed"])
    for kw in spec["keywords"]:
        for f in test_files.get(kw, []):
            loc = dataset.locate_word(dataset.read_audio(f))
            if loc:
                tb.add(kw, "test", "keyword", f, loc, 1, aug=False)
    tb.add_speech_crops(test_files["_negatives"], 4.0)

    # Quantization range from data: float features of a calibration subset.
    rng = np.random.default_rng(spec["seed"])
    calib = [entries[i] for i in sorted(rng.choice(len(entries), min(800, len(entries)), replace=False))]
    seg_dir = cache_dir("runs", spec["name"], "segments")
    quant = _float_range(calib, seg_dir, st)
    log(f"feature quantization from data: scale {quant[0]:.6f}, zero_point {quant[1]}")

    X, kept = dataset.render(entries, seg_dir, st["window_frames"], quant, "trainval")
    lab_idx = {l: i for i, l in enumerate(labels)}
    y = np.array([lab_idx[e["label"]] for e in kept])
    tr = np.array([e["split"] == "train" for e in kept])
    Xte, kept_te = dataset.render(tb.entries, seg_dir, st["window_frames"], quant, "test")
    yte = np.array([lab_idx[e["label"]] for e in kept_te])
    dataset.save_manifest(kept + kept_te, os.path.join(work, "manifest.jsonl"))
    log(f"data ready: train {int(tr.sum())}, val {int((~tr).sum())}, test {len(yte)} "
        f"({time.time() - t_start:.0f} s)")

    log_lines = []
    net, val_acc = train_float(spec, X[tr], y[tr], X[~tr], y[~tr], quant, labels, st, log_lines)
    t_train = time.time() - t_start

    layers = net.to_layers()
    calib_idx = rng.choice(np.nonzero(tr)[0], min(2000, int(tr.sum())), replace=False)
    calib_x = (X[calib_idx].astype(np.float64) - quant[1]) * quant[0]
    q_layers = quantize.quantize(layers, calib_x, quant[0], quant[1])
    # Kept for set_operating_point.py and armnn_check.py --qlayers.
    np.save(os.path.join(work, "q_layers.npy"), np.array(q_layers, dtype=object), allow_pickle=True)
    params, macs = model_lib.count_params_macs(layers, st["window_frames"], FRONTEND["mel_bins"])

    # Float vs int8 agreement on held-out segments.
    pf = float_predict(net, Xte, quant)
    q8 = intsim.run_int8(q_layers, Xte)
    agree = float(np.mean(pf.argmax(1) == q8.argmax(1)))
    acc_f = float(np.mean(pf.argmax(1) == yte))
    acc_q = float(np.mean(q8.argmax(1) == yte))
    log(f"held-out segments: float acc {acc_f:.4f}, int8 acc {acc_q:.4f}, float/int8 agreement {agree:.4f}")

    # Streaming evaluation: thresholds from val streams, figures from test streams.
    kws = list(spec["keywords"])
    info = {"keywords": kws, "smoothing_frames": st["smoothing_frames"], "threshold": {},
            "threshold_default": 0.8, "min_count": {}, "min_count_default": 2, "refractory_ms": {},
            "refractory_default": 1000}
    grid = [round(x, 3) for x in np.arange(0.5, 0.995, 0.025)]
    thresholds, evals = {}, {}
    val_neg = evaluate.build_stream(test_files["_val_negatives"], spec["name"] + "_valneg")
    e_vn, p_vn = evaluate.stream_scores(q_layers, val_neg[0], st["window_frames"], st["stride_frames"], quant,
                                        spec["name"] + "_valneg")
    val_hours = sum(e - s for s, e, _ in val_neg[1]) / 16000 / 3600
    test_neg = evaluate.build_stream(test_files["_negatives"], spec["name"] + "_testneg")
    noise_test = _noise_test_files()
    test_noise = evaluate.build_stream(noise_test, spec["name"] + "_testnoise")
    e_tn, p_tn = evaluate.stream_scores(q_layers, test_neg[0], st["window_frames"], st["stride_frames"], quant,
                                        spec["name"] + "_testneg")
    e_nn, p_nn = evaluate.stream_scores(q_layers, test_noise[0], st["window_frames"], st["stride_frames"],
                                        quant, spec["name"] + "_testnoise")
    test_hours = sum(e - s for s, e, _ in test_neg[1] + test_noise[1]) / 16000 / 3600
    for kw in kws:
        fa_val = {t: sum(1 for _, l in ev if l == kw) for t, ev in evaluate.sweep(e_vn, p_vn, labels, info, kw, grid)}
        ok = [t for t in grid if fa_val[t] == 0 and t >= 0.6]
        thresholds[kw] = ok[0] if ok else grid[-1]
    info["threshold"] = dict(thresholds)
    for kw in kws:
        row = {"threshold": thresholds[kw]}
        files = test_files.get(kw, [])
        if files:
            wav, spans = evaluate.build_stream(files, f"{spec['name']}_test_{kw}")
            e_k, p_k = evaluate.stream_scores(q_layers, wav, st["window_frames"], st["stride_frames"], quant,
                                              f"{spec['name']}_test_{kw}")
            sweep_rows = []
            for t in grid:
                i2 = dict(info, threshold={**thresholds, kw: t})
                ev_pos = evaluate.trigger_events(e_k, p_k, labels, i2)
                fr, _ = evaluate.frr(ev_pos, spans, kw)
                fa = sum(1 for _, l in evaluate.trigger_events(e_tn, p_tn, labels, i2) +
                         evaluate.trigger_events(e_nn, p_nn, labels, i2) if l == kw)
                sweep_rows.append((t, fr, fa / test_hours))
            row["sweep"] = sweep_rows
            at = [r for r in sweep_rows if r[0] == thresholds[kw]][0]
            row["frr"], row["fa_per_hour"], row["clips"] = at[1], at[2], len(spans)
            # Confusions: other keyword firing on this keyword's clips.
            row["test_files"] = [dataset.rel(f) for f in files]
        evals[kw] = row
        log(f"{kw}: threshold {thresholds[kw]} FRR {row.get('frr', float('nan')):.3f} "
            f"FA/h {row.get('fa_per_hour', float('nan')):.2f} on {test_hours:.2f} h")
    fa_total = sum(1 for _, l in evaluate.trigger_events(e_tn, p_tn, labels, info) +
                   evaluate.trigger_events(e_nn, p_nn, labels, info))

    out = spec["out"]
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    meta = metadata_text(labels, kws, quant, st, thresholds)
    desc = f"kwsd {spec['stage']} {'/'.join(kws)} (tools/train, seed {spec['seed']})"
    if standin:
        desc = "STANDIN FRONTEND - NOT FOR SHIPPING - " + desc
    size = tflite_export.export(q_layers, st["window_frames"], FRONTEND["mel_bins"], meta, out + ".tflite", desc)
    np.save(os.path.join(work, "test_features.npy"), Xte)
    np.save(os.path.join(work, "test_int8_out.npy"), q8)
    np.save(os.path.join(work, "q_layers.npy"), np.array(q_layers, dtype=object), allow_pickle=True)
    result = {"name": spec["name"], "stage": spec["stage"], "labels": labels, "quant": quant,
              "params": params, "macs": macs, "weight_bytes": quantize.weight_bytes(q_layers), "file_bytes": size,
              "val_acc": val_acc, "test_acc_float": acc_f, "test_acc_int8": acc_q, "agreement": agree,
              "test_segments": len(yte), "evals": evals, "thresholds": thresholds,
              "test_hours": test_hours, "val_hours": val_hours, "fa_total_all_keywords": fa_total,
              "train_seconds": t_train, "total_seconds": time.time() - t_start, "epoch_log": log_lines,
              "torch_threads": torch.get_num_threads(),
              "standin": standin, "spec": {k: v for k, v in spec.items() if k != "out"},
              "model": st["model"], "stride": st["stride_frames"],
              "negative_test_files": [dataset.rel(f) for f in test_files["_negatives"]],
              "noise_test": "last 25 % of each file in noise/ (augment.NOISE_FILES)",
              "work": work, "tflite": out + ".tflite"}
    with open(os.path.join(work, "result.json"), "w") as f:
        json.dump(result, f, indent=1, default=float)
    _write_test_files(out + ".test_files.txt", {kw: evals[kw].get("test_files", []) for kw in kws},
                      result["negative_test_files"])
    log(f"wrote {out}.tflite ({size} bytes) in {time.time() - t_start:.0f} s; details {work}/result.json")
    return result


def _write_test_files(path, per_kw, negatives):
    """Held-out files, grouped by folder (paths relative to the shared data)."""
    groups = {}
    for kw, files in per_kw.items():
        for p in files:
            groups.setdefault((kw, os.path.dirname(p)), []).append(os.path.basename(p))
    for p in negatives:  # already relative to the shared data (dataset.rel)
        groups.setdefault(("negative", os.path.dirname(p)), []).append(os.path.basename(p))
    with open(path, "w") as f:
        f.write("# held-out test files (never trained on): <role> <folder under shared/data>: <files>\n")
        for (role, folder), names in sorted(groups.items()):
            f.write(f"{role} {folder}: {' '.join(sorted(names))}\n")


def _float_range(calib, seg_dir, st):
    import augment
    segs = []
    for e in calib:
        segs.append(e)
    # Render again (deterministic) and ask kws-features for float features.
    from multiprocessing import Pool
    seg_len = dataset.segment_samples(st["window_frames"])
    usable = (st["window_frames"] - 1) * FRONTEND["hop_samples"] + FRONTEND["window_samples"]
    with Pool(2, initializer=dataset._init_worker, initargs=(seg_len, usable)) as pool:
        res = pool.map(dataset.render_entry, calib, chunksize=16)
    shards = augment.write_shards([r[0] for r in res], seg_dir, "calibf", 400)
    fl, _ = features.compute(shards, os.path.join(seg_dir, "calibf_features"), as_float=True)
    for p in shards:
        os.remove(p)
    return features.choose_quantization(fl)


def _noise_test_files():
    import augment
    from common import write_wav
    bank = augment.load_noise_bank(shared_path, "test")
    out = []
    for name, x in sorted(bank.items()):
        p = os.path.join(cache_dir("noise_test"), os.path.basename(name).rsplit(".", 1)[0] + ".wav")
        write_wav(p, x)
        out.append(p)
    return out


def main():
    ap = argparse.ArgumentParser(description="Train the default kwsd models.")
    ap.add_argument("--stage", default="stage1", choices=sorted(STAGES))
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--out")
    ap.add_argument("--model", choices=sorted(model_lib.CONFIGS),
                    help="architecture (default: the stage's, tc1 / tc2); data, seed and epochs unchanged")
    ap.add_argument("--quick", action="store_true", help="tiny data/epochs: a smoke test, not a model")
    ap.add_argument("--bigger", action="store_true", help="more copies, crops and epochs than the default spec")
    ap.add_argument("--standin-frontend", action="store_true",
                    help="numpy stand-in instead of kws-features (development only, never shipped)")
    a = ap.parse_args()
    spec = default_spec(a.stage)
    if a.epochs:
        spec["epochs"] = a.epochs
    if a.out:
        spec["out"] = a.out
    if a.model:
        spec["model"] = a.model
    if a.bigger:
        spec.update(real_copies=12, synth_positives=300, near_misses=300, speech_seconds_per_crop=1.2,
                    noise_segments=2000, epochs=18)
    if a.quick:
        spec.update(real_copies=1, synth_positives=20, synth_copies=1, near_misses=20, near_miss_copies=1,
                    speech_seconds_per_crop=30, noise_segments=100, epochs=min(spec["epochs"], 2))
    try:
        r = run(spec, standin=a.standin_frontend)
    except TrainError as e:
        log(f"error: {e}")
        return 2
    import model_card
    model_card.write(r, spec["out"] + ".md", " ".join(["/usr/bin/python3", "tools/train/train.py"] + sys.argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
