#!/usr/bin/python3
"""Writes a model's operating point (smoothing, per-keyword threshold and
min_count) into its "kwsd" metadata, e.g. the one kws-tune chose on the tuning
split, by re-exporting the run's quantized layers with the edited metadata.

    /usr/bin/python3 tools/train/set_operating_point.py RUN_DIR MODEL.tflite TUNED.yaml OUT.tflite

RUN_DIR is the training run that exported MODEL.tflite (its q_layers.npy);
TUNED.yaml a kwsd.yaml written by `kws-tune --write-config` (stage1 section).
Only the metadata changes: the weights and graph are written by the same
exporter from the same layers.
"""

import os
import re
import struct
import sys

import numpy as np

import tflite_export


def tuned_point(path):
    """(smoothing_frames or None, {keyword: (threshold, min_count or None)}) from
    the stage1 section of a kws-tune kwsd.yaml (the subset kws-tune writes)."""
    smoothing, keywords, current, in_stage1 = None, {}, None, False
    for raw in open(path):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        key, _, value = line.strip().partition(":")
        value = value.strip()
        if indent == 0:
            in_stage1 = key == "stage1"
            continue
        if not in_stage1:
            continue
        if indent == 2 and key == "smoothing_frames":
            smoothing = int(value)
        elif indent == 4:
            current = key
            keywords[current] = [None, None]
        elif indent == 6 and current is not None:
            if key == "threshold":
                keywords[current][0] = float(value)
            elif key == "min_count":
                keywords[current][1] = int(value)
    for kw, (t, _) in keywords.items():
        if t is None:
            raise SystemExit(f"{path}: keyword {kw!r} has no threshold")
    if not keywords:
        raise SystemExit(f"{path}: no stage1 keywords")
    return smoothing, {k: tuple(v) for k, v in keywords.items()}


def edited(meta, smoothing, keywords):
    lines = [l for l in meta.strip().split("\n") if l]
    known = set(next(l for l in lines if l.startswith("keywords=")).split("=", 1)[1].split(","))
    for kw in keywords:
        if kw not in known:
            raise SystemExit(f"keyword {kw!r} is not one of the model's ({', '.join(sorted(known))})")
    drop = re.compile(r"^(threshold|min_count)\.(%s)=" % "|".join(map(re.escape, keywords)))
    out = []
    for l in lines:
        if drop.match(l) or (smoothing is not None and l.startswith("smoothing_frames=")):
            continue
        out.append(l)
        if smoothing is not None and l.startswith("stride_frames="):
            out.append(f"smoothing_frames={smoothing}")
    for kw, (t, mc) in keywords.items():
        out.append(f"threshold.{kw}={t:.3f}")
        if mc is not None:
            out.append(f"min_count.{kw}={mc}")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    run_dir, model, tuned, out = sys.argv[1:]
    try:
        meta = tflite_export.read_metadata(model)
    except (OSError, ValueError, IndexError, struct.error) as e:
        raise SystemExit(f"{model}: not a readable .tflite model ({e})")
    if meta is None:
        raise SystemExit(f"{model}: no kwsd metadata")
    fields = dict(l.split("=", 1) for l in meta.strip().split("\n") if "=" in l)
    smoothing, keywords = tuned_point(tuned)
    text = edited(meta, smoothing, keywords)  # refuses unknown keywords before any work
    layers_path = f"{run_dir}/q_layers.npy"
    if not os.path.isfile(layers_path):
        raise SystemExit(f"{layers_path}: not found (RUN_DIR must be the training run of {model})")
    q_layers = list(np.load(layers_path, allow_pickle=True))
    description = "kwsd %s (tools/train; operating point set by set_operating_point.py)" % (
        "/".join(keywords))
    tflite_export.export(q_layers, int(fields["window_frames"]), int(fields["mel_bins"]), text, out,
                         description)
    print(text, end="")


if __name__ == "__main__":
    main()
