"""Keyword heads on the frozen openWakeWord backbone: windows, labels, training, float export.

A head reads the last 16 backbone embeddings (16 x 96 floats, 1.28 s) and
gives one sigmoid score per 80 ms step: flatten -> 128 -> ReLU -> 128 -> ReLU
-> 1 -> sigmoid (no LayerNorm). Labels follow ../shared/TRANSFER.md: a window
is positive if it ends from 0.08 s before to 0.40 s after a phrase end; windows
ending between the phrase start and 1.6 s after its end are left out; all
others are negative, stride 1; positives weighted x0.05 (not class-balanced).
"""

import os
import time

import numpy as np

import embeddings
import tflite_export
from common import SAMPLE_RATE, TrainError, log

WINDOW = 16
POS_BEFORE_S, POS_AFTER_S, IGNORE_AFTER_S = 0.08, 0.40, 1.6
POS_WEIGHT = 0.05
HIDDEN = 128


def ensure_openblas():
    """Debian's torch on the generic reference BLAS trains ~15x slower than with OpenBLAS
    (TRANSFER.md). tools/train-keyword preloads it; this names the BLAS this process has mapped."""
    try:
        with open("/proc/self/maps") as f:
            maps = f.read()
    except OSError:
        return "unknown"
    if "openblas" in maps:
        return "openblas"
    log("head: warning: torch is not using OpenBLAS (install libopenblas0-pthread); training will be slow")
    return "reference"


def window_labels(num_steps, events, step_end=embeddings.step_end_sample):
    """(ends, labels) for every full window of a stream with num_steps embeddings: ends are the step
    index of each window's last embedding; labels 1 positive, 0 negative, -1 left out."""
    ends = np.arange(WINDOW - 1, num_steps)
    t = np.array([step_end(k) for k in ends], np.int64)
    lab = np.zeros(len(ends), np.int8)
    for s, e in events:
        lab[(t >= s) & (t <= e + int(IGNORE_AFTER_S * SAMPLE_RATE))] = -1
    for s, e in events:
        lab[(t >= e - int(POS_BEFORE_S * SAMPLE_RATE)) & (t <= e + int(POS_AFTER_S * SAMPLE_RATE))] = 1
    return ends, lab


def build_index(embs, events_list):
    """Concatenated embeddings [T, 96] and (global window end index, label) for labelled windows."""
    offs = np.cumsum([0] + [len(x) for x in embs])
    idx, lab = [], []
    for i, (x, ev) in enumerate(zip(embs, events_list)):
        if len(x) < WINDOW:
            continue
        ends, y = window_labels(len(x), ev)
        keep = y >= 0
        idx.append(ends[keep] + offs[i])
        lab.append(y[keep])
    if not idx:
        raise TrainError("no stream is long enough for one 16-embedding window")
    return np.concatenate(embs).astype(np.float32), np.concatenate(idx), np.concatenate(lab)


def make_model(seed):
    import torch

    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(WINDOW * embeddings.EMB_DIM, HIDDEN),
                               torch.nn.ReLU(), torch.nn.Linear(HIDDEN, HIDDEN), torch.nn.ReLU(),
                               torch.nn.Linear(HIDDEN, 1))


def train(emb, idx, lab, seed=1, epochs=8, batch=1024, lr=1e-3):
    """Trains a head on windows emb[idx-15 .. idx]; returns the torch model (logits out)."""
    import torch

    blas = ensure_openblas()
    torch.set_num_threads(1)
    npos = int((lab == 1).sum())
    if npos == 0:
        raise TrainError("no positive window: the positive clips produced no labelled window")
    log(f"head: {npos} positive / {int((lab == 0).sum())} negative windows, {epochs} epochs, BLAS {blas}")
    E = torch.from_numpy(emb)
    I = torch.from_numpy(idx.astype(np.int64))
    Y = torch.from_numpy((lab == 1).astype(np.float32))
    W = torch.where(Y > 0, torch.tensor(POS_WEIGHT), torch.tensor(1.0))
    off = torch.arange(-(WINDOW - 1), 1)
    model = make_model(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(seed)
    t0 = time.time()
    for ep in range(epochs):
        perm = torch.randperm(len(I), generator=g)
        tot = 0.0
        for b in range(0, len(perm), batch):
            j = perm[b:b + batch]
            x = E[I[j][:, None] + off]
            logit = model(x).squeeze(1)
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(logit, Y[j], reduction="none")
                    * W[j]).sum() / W[j].sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += float(loss) * len(j)
        log(f"head: epoch {ep + 1}/{epochs} loss {tot / len(perm):.5f} ({time.time() - t0:.0f} s)")
    model.eval()
    return model


def scores(model, emb):
    """Sigmoid score per step of one stream's embeddings [steps, 96]; steps before the first full
    window score 0."""
    import torch

    out = np.zeros(len(emb), np.float32)
    if len(emb) < WINDOW:
        return out
    x = torch.from_numpy(np.ascontiguousarray(emb, np.float32)).unfold(0, WINDOW, 1).transpose(1, 2)
    with torch.no_grad():
        out[WINDOW - 1:] = torch.sigmoid(model(x).squeeze(1)).numpy()
    return out


def layers_of(model):
    lin = [m for m in model if hasattr(m, "weight")]
    return [{"w": m.weight.detach().numpy().astype(np.float32), "b": m.bias.detach().numpy().astype(np.float32),
             "relu": i < len(lin) - 1} for i, m in enumerate(lin)]


def metadata(label, threshold, refractory_ms=1000):
    """kwsd metadata of a backbone head: which backbone feeds it, its window, label and operating point."""
    return "\n".join([
        "kwsd_metadata=1",
        "features=oww_embedding",
        "backbone=openwakeword_melspectrogram+embedding_model",
        f"labels={label}",
        f"keywords={label}",
        "sample_rate=16000",
        f"window_frames={WINDOW}",
        "stride_frames=1",
        "smoothing_frames=1",
        f"threshold={threshold:.6g}",
        "min_count=1",
        f"refractory_ms={refractory_ms}",
    ]) + "\n"


def export(model, label, threshold, path):
    """Writes the head as a float32 .tflite ([1, 16, 96] -> [1, 1] sigmoid) with kwsd metadata."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return tflite_export.export_float_mlp(layers_of(model), [1, WINDOW, embeddings.EMB_DIM],
                                          metadata(label, threshold), path,
                                          description=f"kwsd backbone head '{label}'")


def triggers(s, threshold, refractory_steps):
    """Step indices where score s crosses threshold, at most one per refractory period."""
    out, last = [], -10**9
    for k in np.flatnonzero(s >= threshold):
        if k - last >= refractory_steps:
            out.append(int(k))
            last = k
    return out
