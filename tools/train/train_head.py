"""A keyword head on the openWakeWord backbone from the phrase's text alone (tools/train-keyword --backbone).

Steps, each logged with its elapsed time: synthesise positives from many voices
(synth.wide_voice_grid), build training streams (head_data.build), compute
their embeddings with our C++ runtime (embeddings.compute: kws-features
--embeddings), label windows and train the head (head.py), choose the default
threshold on held-out negatives (the 'val' split of the shared speech in noise
from the training part of the noise files: never the test split), export a
float32 .tflite with kwsd metadata and write a model card.
"""

import json
import os
import time

import numpy as np

import embeddings
import head
import head_data
import synth
from common import TrainError, cache_dir, log, stable_hash

DEFAULTS = {"voices": 630, "variants": 2, "copies": 2, "neg_minutes": 80.0, "noise_minutes": 5.0, "epochs": 8,
            "target_fa_per_hour": 0.5}
QUICK = {"voices": 20, "variants": 1, "copies": 1, "neg_minutes": 2.0, "noise_minutes": 1.0, "epochs": 1}


def check_phrase(phrase):
    """The phrase's espeak-ng phonemes, or a TrainError if espeak-ng cannot say it."""
    ph = synth.phonemes(phrase)
    if not any(c.isalpha() for c in ph):
        raise TrainError(f"espeak-ng cannot say {phrase!r} in English (no phonemes); write it as English words")
    return ph


class _Clock:
    def __init__(self):
        self.t0 = time.time()
        self.marks = {}

    def step(self, n, total, what):
        self.marks[what] = round(time.time() - self.t0, 1)
        log(f"train-keyword [{n}/{total}] {what} ({time.time() - self.t0:.0f} s so far)")


def val_negative_streams(out_dir, seed):
    """Held-out negatives for the default threshold: val-split speech in noise (training part of the
    noise files, 0-25 dB SNR as in training), 60 s streams. [(wav, [])]."""
    import augment
    import dataset
    from common import read_audio, rng_for, shared_path

    files = []
    for d in dataset.SPEECH_DIRS:
        if os.path.isdir(shared_path(d)):
            files += [f for f in dataset.list_audio(shared_path(d), "negative speech") if dataset.split_of(f) == "val"]
    bank = augment.load_noise_bank(shared_path, "train")
    os.makedirs(out_dir, exist_ok=True)
    out, cur, n = [], [], 0
    rng = rng_for("headval", seed)

    def flush():
        if not cur:
            return
        path = os.path.join(out_dir, f"val_{len(out):04d}.wav")
        if not os.path.exists(path):
            y = np.concatenate(cur)
            y = head_data._mix_noise(y, float(augment.rms_db(y)), bank, rng)
            head_data._write(path, y, [])
        out.append((path, []))

    for f in files:
        try:
            x = read_audio(f)
        except TrainError:
            continue
        cur.append(x)
        n += len(x)
        if n >= 60 * 16000:
            flush()
            cur, n = [], 0
    flush()
    return out


def choose_threshold(model, val_embs, target_fa_per_hour):
    """Lowest threshold on a grid up to 0.9999 whose triggers on the val negatives stay at or below the
    target FA/h; the val set is short (about 15 min), so this is coarse: the grid stops at 0.9999."""
    grid = sorted(set([0.5, 0.7, 0.8, 0.9, 0.95] + [round(1 - 10 ** (-e / 4), 6) for e in range(6, 17)]))
    hours = sum(len(e) for e in val_embs) * embeddings.STEP_SAMPLES / 16000 / 3600
    sc = [head.scores(model, e) for e in val_embs]
    fa = {}
    for t in grid:
        fa[t] = sum(len(head.triggers(s, t, 13)) for s in sc) / max(hours, 1e-9)
        if fa[t] <= target_fa_per_hour:
            return t, fa[t], hours
    return grid[-1], fa[grid[-1]], hours


def run(phrase, name, out, seed=1, quick=False, progress_total=6, **kw):
    cfg = dict(DEFAULTS, **(QUICK if quick else {}))
    cfg.update({k: v for k, v in kw.items() if v is not None})
    clock = _Clock()
    embeddings.check_backbone()
    embeddings.check_tool()
    ph = check_phrase(phrase)
    log(f"train-keyword: {phrase!r} = /{ph}/, backbone head, seed {seed}")
    work = cache_dir("head", f"{name}_s{seed}" + ("_quick" if quick else ""))

    grid = synth.wide_voice_grid(cfg["voices"], seed, phrase)
    clips = synth.wide_positives(phrase, grid, cfg["variants"], seed)
    if not clips:
        raise TrainError(f"no synthetic clip of {phrase!r} could be made (espeak-ng, flite and festival all failed)")
    clock.step(1, progress_total, f"{len(clips)} synthetic clips from {len(grid)} voice settings")

    shared = cache_dir("head", f"negatives_s{seed}_{cfg['neg_minutes']:g}_{cfg['noise_minutes']:g}")
    # The folder names the plan (copies, clip set): a stream file is reused only by the same plan.
    plan = f"streams_c{cfg['copies']}_{stable_hash('|'.join(clips)) % 10**8:08d}"
    streams = head_data.build(phrase, clips, os.path.join(work, plan), seed, copies=cfg["copies"],
                              neg_minutes=cfg["neg_minutes"], noise_minutes=cfg["noise_minutes"],
                              neg_dir=os.path.join(shared, "streams"))
    val = val_negative_streams(os.path.join(shared, "val"), seed) if not quick else []
    hours = sum(os.path.getsize(p) - 44 for p, _ in streams + val) / 32000 / 3600
    clock.step(2, progress_total, f"{len(streams)} training streams + {len(val)} val streams, {hours:.2f} h")

    pos = [p for p, ev in streams if ev]
    neg = [p for p, ev in streams if not ev] + [p for p, _ in val]
    by_path = dict(zip(pos, embeddings.compute(pos, os.path.join(work, "emb"))))
    by_path.update(zip(neg, embeddings.compute(neg, os.path.join(shared, "emb"))))
    tr_embs, val_embs = [by_path[p] for p, _ in streams], [by_path[p] for p, _ in val]
    clock.step(3, progress_total, "embeddings")

    emb, idx, lab = head.build_index(tr_embs, [ev for _, ev in streams])
    model = head.train(emb, idx, lab, seed=seed, epochs=cfg["epochs"])
    clock.step(4, progress_total, "head trained")

    if val_embs:
        thr, fa, vh = choose_threshold(model, val_embs, cfg["target_fa_per_hour"])
    else:
        thr, fa, vh = 0.5, float("nan"), 0.0
    clock.step(5, progress_total, f"threshold {thr} ({fa:.2f} FA/h on {vh * 60:.1f} min of val negatives)")

    size = head.export(model, name, thr, out + ".tflite")
    np.savez(out + ".layers.npz", **{f"{k}{i}": L[k] for i, L in enumerate(head.layers_of(model)) for k in ("w", "b")})
    res = {"name": name, "phrase": phrase, "phonemes": ph, "seed": seed, "config": cfg, "clips": len(clips),
           "voice_settings": len(grid), "engines": sorted({g[0] for g in grid}), "streams": len(streams),
           "train_hours": round(sum(len(e) for e in tr_embs) * embeddings.STEP_SAMPLES / 16000 / 3600, 3),
           "positive_windows": int((lab == 1).sum()), "negative_windows": int((lab == 0).sum()),
           "threshold": thr, "val_fa_per_hour": fa, "val_hours": vh, "file_bytes": size, "times_s": clock.marks}
    with open(out + ".train.json", "w") as f:
        json.dump(res, f, indent=1)
    clock.step(6, progress_total, f"wrote {out}.tflite ({size} bytes)")
    return res


def write_card(res, path, command):
    c = res["config"]
    L = [f"# {res['name']} — backbone head model card\n",
         f"Keyword {res['phrase']!r} (espeak-ng /{res['phonemes']}/), trained from its text alone by "
         "`tools/train-keyword --backbone` (tools/train/train_head.py), seed "
         f"{res['seed']}.\n",
         "## Model\n",
         "- A head on openWakeWord's frozen backbone (melspectrogram.tflite + embedding_model.tflite, "
         "Apache-2.0, not part of this file): input float32 [1, 16, 96] = the last 16 embeddings (1.28 s, one "
         "per 80 ms), RESHAPE -> FULLY_CONNECTED 1536x128 + ReLU -> 128x128 + ReLU -> 128x1 -> LOGISTIC.",
         f"- .tflite file {res['file_bytes']} bytes (float32 weights); `kwsd` metadata says "
         "`features=oww_embedding` and carries the label and default threshold.",
         f"- Default threshold {res['threshold']}: the lowest grid value whose triggers on the val negatives "
         f"({res['val_hours'] * 60:.1f} min of val-split shared speech in training-part noise) are at most "
         f"{c['target_fa_per_hour']} FA/h (measured {res['val_fa_per_hour']:.2f} FA/h; coarse: 1 FA there is "
         f"{1 / max(res['val_hours'], 1e-9):.1f} FA/h).\n",
         "## Data\n",
         f"- {res['clips']} synthetic clips from {res['voice_settings']} voice settings "
         f"({', '.join(res['engines'])}); {c['variants']} variants per setting (the first as spoken, the others "
         "sox tempo 0.9-1.1, pitch shift on a third), reverb on 30 % in the streams.",
         f"- {res['streams']} training streams, {res['train_hours']} h: each clip ({c['copies']} copies) at "
         "-38..-16 dBFS after 0.5-1.5 s of silence or training speech, then a 1.6-2 s gap; noise at 0-25 dB SNR "
         f"from the first 75 % of each shared noise file; {c['neg_minutes']} min of training-split shared speech "
         f"in noise; {c['noise_minutes']} min of noise alone. No keyword recording is used.",
         f"- Windows: {res['positive_windows']} positive (ending -0.08..+0.40 s around the phrase end), "
         f"{res['negative_windows']} negative; positives weighted x0.05. Adam 1e-3, batch 1024, "
         f"{c['epochs']} epochs.\n",
         "## Time\n",
         "- Elapsed seconds at the end of each step: " + ", ".join(f"{k}: {v}" for k, v in res["times_s"].items()) +
         ".\n",
         "## Command\n", f"```\n{command}\n```\n"]
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")
