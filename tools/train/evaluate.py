"""Streaming evaluation: FRR and false accepts per hour on held-out audio.

Held-out files are concatenated into streams (one per keyword, one per negative
source), features come from kws-features, and the int8 simulation runs the model
every stride_frames frames. Posteriors go through the same smoothing and trigger
rules as pipeline/smoother.h and pipeline/trigger.h (moving average over
smoothing_frames steps; fire after min_count consecutive steps >= threshold,
then refractory_ms of audio without firing).
"""

import os

import numpy as np

import features
import intsim
from common import FRONTEND, cache_dir, log, read_audio, write_wav


def build_stream(files, name, gap_s=0.5):
    """Concatenates files with gap_s of silence between; returns (wav path,
    [(start_sample, end_sample, path)]). Damaged files are listed and skipped."""
    out_dir = cache_dir("streams")
    parts, spans, pos = [], [], 0
    gap = np.zeros(int(gap_s * 16000), np.float32)
    for f in files:
        try:
            x = read_audio(f)
        except Exception as e:  # noqa: BLE001 - reported, never silent
            log(f"evaluate: skipped {f}: {e}")
            continue
        parts += [x, gap]
        spans.append((pos, pos + len(x), f))
        pos += len(x) + len(gap)
    path = os.path.join(out_dir, name + ".wav")
    write_wav(path, np.concatenate(parts) if parts else gap)
    return path, spans


def stream_posteriors(q_layers, feats, window_frames, stride_frames, out_scale=1 / 256, out_zp=-128,
                      batch=512):
    """int8 model over every window ending at frame t (t = W-1, W-1+stride, ...).
    Returns (end_frames, probabilities float [steps, classes])."""
    ends = np.arange(window_frames - 1, len(feats), stride_frames)
    probs = []
    for s in range(0, len(ends), batch):
        e = ends[s:s + batch]
        idx = e[:, None] - window_frames + 1 + np.arange(window_frames)[None, :]
        out = intsim.run_int8(q_layers, feats[idx])
        probs.append((out.astype(np.float32) - out_zp) * out_scale)
    return ends, (np.concatenate(probs) if probs else np.zeros((0, 1), np.float32))


def trigger_events(ends, probs, labels, info):
    """[(sample_index, label)] fired by the smoother + trigger rules."""
    hop, win = FRONTEND["hop_samples"], FRONTEND["window_samples"]
    k = max(1, int(info["smoothing_frames"]))
    c = np.cumsum(np.vstack([np.zeros((1, probs.shape[1])), probs]), axis=0)
    n = np.arange(1, len(probs) + 1)
    lo = np.maximum(0, n - k)
    smooth = (c[n] - c[lo]) / (n - lo)[:, None]
    events = []
    for li, lab in enumerate(labels):
        if lab not in info["keywords"]:
            continue
        thr = info["threshold"].get(lab, info["threshold_default"])
        need = info["min_count"].get(lab, info["min_count_default"])
        refr = int(info["refractory_ms"].get(lab, info["refractory_default"]) * 16)
        count, until = 0, -1
        for t in range(len(ends)):
            sample = int(ends[t]) * hop + win  # end of the step's last frame
            if sample < until:
                count = 0
                continue
            count = count + 1 if smooth[t, li] >= thr else 0
            if count >= need:
                events.append((sample, lab))
                count = 0
                until = sample + refr
    return events


def stream_scores(q_layers, wav, window_frames, stride_frames, quant, tag):
    feats, rows = features.compute([wav], os.path.join(cache_dir("streams"), tag + "_feat"), *quant)
    return stream_posteriors(q_layers, feats, window_frames, stride_frames)


def frr(events, spans, label, slack=16000):
    """Fraction of clips with no event for `label` inside [start, end + slack)."""
    times = np.array(sorted(s for s, lab in events if lab == label))
    missed = 0
    for s, e, _ in spans:
        if not np.any((times >= s) & (times < e + slack)):
            missed += 1
    return missed / max(1, len(spans)), missed


def sweep(ends, probs, labels, info, kw, thresholds):
    out = []
    for t in thresholds:
        i2 = dict(info, threshold={**info["threshold"], kw: t})
        out.append((t, trigger_events(ends, probs, labels, i2)))
    return out
