"""Backbone embeddings of audio files, computed by our C++ runtime (train/serve parity).

`kws-features --embeddings` runs the openWakeWord front end (melspectrogram +
embedding_model .tflite, streamed exactly as kwsd streams them) over each file
and writes features.npy (float32 [total_steps, 96]) and index.tsv (path,
start_frame, num_frames, num_samples, status), one 96-d embedding per 80 ms
step. There is deliberately no Python copy of the backbone here.
"""

import os
import subprocess

import numpy as np

import features
from common import REPO_ROOT, TrainError, log, shared_path

EMB_DIM = 96
STEP_SAMPLES = 1280  # one embedding per 80 ms at 16 kHz
# The mel spectrogram is computed natively (pipeline/oww_mel.h, the same numbers as melspectrogram.tflite);
# the runtime loads only the embedding model.
BACKBONE_FILES = ("embedding_model.tflite",)


def backbone_dir():
    """KWS_BACKBONE_DIR, else what tools/bootstrap.sh installs (models/openwakeword), else the shared data."""
    if os.environ.get("KWS_BACKBONE_DIR"):
        return os.environ["KWS_BACKBONE_DIR"]
    installed = os.path.join(REPO_ROOT, "models", "openwakeword")
    if all(os.path.isfile(os.path.join(installed, f)) for f in BACKBONE_FILES):
        return installed
    return shared_path("models/openwakeword")


def check_backbone():
    """The backbone folder, or a TrainError naming what is missing and how to get it."""
    d = backbone_dir()
    missing = [f for f in BACKBONE_FILES if not os.path.isfile(os.path.join(d, f))]
    if missing:
        raise TrainError(f"backbone missing: {', '.join(missing)} not in {d} (run tools/bootstrap.sh, which "
                         "fetches openWakeWord's embedding_model.tflite, Apache-2.0, into models/openwakeword, or set "
                         "KWS_BACKBONE_DIR to its folder)")
    return d


def step_end_sample(k):
    """Last sample (exclusive) of the audio the k-th embedding of a file has seen."""
    return (k + 1) * STEP_SAMPLES


def compute(paths, out_dir, jobs=2, chunk=40):
    """[float32 [steps, 96]] per path, in order, in chunks of `chunk` files (progress logged; a finished chunk
    is reused by a rerun). Files that fail raise TrainError naming them."""
    out = []
    for i in range(0, len(paths), chunk):
        sub = os.path.join(out_dir, f"part{i // chunk:04d}")
        done = os.path.join(sub, "done")
        want = "\n".join(os.path.abspath(p) for p in paths[i:i + chunk])
        if not (os.path.exists(done) and open(done).read() == want):
            _compute(paths[i:i + chunk], sub, jobs)
            with open(done, "w") as f:
                f.write(want)
        out += _read(paths[i:i + chunk], sub)
        log(f"embeddings: {min(i + chunk, len(paths))}/{len(paths)} files")
    return out


def _compute(paths, out_dir, jobs):
    d = check_backbone()
    exe = features.find_tool()
    os.makedirs(out_dir, exist_ok=True)
    lst = os.path.join(out_dir, "list.txt")
    with open(lst, "w") as f:
        f.write("\n".join(os.path.abspath(p) for p in paths) + "\n")
    cmd = [exe, "--embeddings", "--backbone", d, "--list", lst, "--out-dir", out_dir, "--jobs", str(jobs)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise TrainError(f"kws-features --embeddings failed ({proc.returncode}): {proc.stderr.strip()[-400:]}")


def _read(paths, out_dir):
    feats = np.load(os.path.join(out_dir, "features.npy"), mmap_mode="r")
    if feats.ndim != 2 or feats.shape[1] != EMB_DIM or feats.dtype != np.float32:
        raise TrainError(f"kws-features --embeddings wrote {feats.dtype} {feats.shape}, expected float32 [N, 96]")
    out = []
    with open(os.path.join(out_dir, "index.tsv")) as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    if len(rows) != len(paths):
        raise TrainError(f"kws-features --embeddings indexed {len(rows)} of {len(paths)} files")
    for p, r in zip(paths, rows):
        if r[4] != "ok":
            raise TrainError(f"embeddings of {p}: {r[4]}")
        s, n = int(r[1]), int(r[2])
        out.append(np.array(feats[s:s + n]))
    return out


def check_tool():
    """kws-features, if it has the --embeddings mode; else a TrainError saying so."""
    exe = features.find_tool()
    proc = subprocess.run([exe, "--help"], capture_output=True, text=True)
    if "--embeddings" not in proc.stdout + proc.stderr:
        raise TrainError(f"{exe} has no --embeddings mode (rebuild kws-features from this checkout)")
    return exe
