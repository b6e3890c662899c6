"""Features for training, computed by the project's C++ front end.

Train/serve parity (DESIGN invariant 4): every feature the models see in
training comes from `kws-features`, the dump tool built from pipeline/. This
module only runs it and reads its output (DIR/features.npy int8 or float32
[total_frames, dim] + DIR/index.tsv).

`--standin-frontend` (tests and development only, before kws-features existed)
swaps in a numpy log-mel; a model trained that way is marked STANDIN in its
metadata description and must never be shipped.
"""

import glob
import os
import subprocess

import numpy as np

from common import FRONTEND, REPO_ROOT, TrainError, log, read_audio

_standin = False


def use_standin(flag):
    global _standin
    _standin = bool(flag)


def standin_active():
    return _standin


def find_tool():
    env = os.environ.get("KWS_FEATURES")
    if env:
        if not os.access(env, os.X_OK):
            raise TrainError(f"KWS_FEATURES={env} is not an executable")
        return env
    cands = sorted(glob.glob(os.path.join(REPO_ROOT, "build", "*", "bin", "kws-features"))
                   + glob.glob(os.path.join(REPO_ROOT, "build", "*", "tools", "features", "kws-features")),
                   key=os.path.getmtime, reverse=True)
    for c in cands:
        if os.access(c, os.X_OK):
            return c
    raise TrainError(
        "kws-features not found: build it with `cmake --preset release && "
        "cmake --build build/release --target kws-features` or set KWS_FEATURES")


def frontend_yaml(quant_scale, quant_zero_point):
    lines = [f"{k}: {v}" for k, v in FRONTEND.items()]
    lines.append(f"quant_scale: {quant_scale:.9g}")
    lines.append(f"quant_zero_point: {int(quant_zero_point)}")
    return "\n".join(lines) + "\n"


def read_index(path):
    rows = []
    with open(path) as f:
        header = None
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if header is None and parts[0] == "path":
                header = parts
                continue
            rows.append({"path": parts[0], "start_frame": int(parts[1]), "num_frames": int(parts[2]),
                         "num_samples": int(parts[3]), "status": parts[4] if len(parts) > 4 else "ok"})
    return rows


def compute(files, out_dir, quant_scale=1.0, quant_zero_point=0, as_float=False):
    """Runs the front end on `files`. Returns (features, index rows); features is
    int8 [frames, dim] (or float32 with as_float). Rows with a status other than
    "ok" are reported and kept so callers can skip them explicitly."""
    os.makedirs(out_dir, exist_ok=True)
    if _standin:
        return _standin_compute(files, quant_scale, quant_zero_point, as_float)
    tool = find_tool()
    yaml_path = os.path.join(out_dir, "frontend.yaml")
    with open(yaml_path, "w") as f:
        f.write(frontend_yaml(quant_scale, quant_zero_point))
    list_path = os.path.join(out_dir, "files.txt")
    with open(list_path, "w") as f:
        f.write("\n".join(files) + "\n")
    cmd = [tool, "--frontend", yaml_path, "--list", list_path, "--out-dir", out_dir, "--jobs", "2"]
    if as_float:
        cmd.append("--float")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode not in (0, 1):  # 1: some files failed, listed in index.tsv
        raise TrainError(f"kws-features failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    feats = np.load(os.path.join(out_dir, "features.npy"))
    rows = read_index(os.path.join(out_dir, "index.tsv"))
    for r in rows:
        if r["status"] != "ok":
            log(f"features: skipped {r['path']}: {r['status']}")
    return feats, rows


def choose_quantization(float_feats, lo_pct=0.05, hi_pct=99.95):
    """int8 range from data: the central 99.9 % of values (plus the digital
    silence floor log(log_offset) if present) mapped onto [-128, 127]."""
    lo = float(np.percentile(float_feats, lo_pct))
    hi = float(np.percentile(float_feats, hi_pct))
    floor = float(np.log(FRONTEND["log_offset"]))
    lo = max(min(lo, hi - 1.0), floor)
    scale = (hi - lo) / 255.0
    zero_point = int(round(-128 - lo / scale))
    return scale, zero_point


# ---------------------------------------------------------------------------
# Temporary stand-in (never for shipped models).


def _mel_matrix():
    fe = FRONTEND
    n_bins = fe["fft_size"] // 2 + 1
    hz = np.linspace(0, fe["sample_rate"] / 2, n_bins)

    def to_mel(f):
        return 1127.0 * np.log1p(f / 700.0)

    edges = np.linspace(to_mel(fe["fmin"]), to_mel(fe["fmax"]), fe["mel_bins"] + 2)
    m = to_mel(hz)
    w = np.zeros((n_bins, fe["mel_bins"]), np.float64)
    for b in range(fe["mel_bins"]):
        lo, c, hi = edges[b], edges[b + 1], edges[b + 2]
        w[:, b] = np.maximum(0, np.minimum((m - lo) / (c - lo), (hi - m) / (hi - c)))
    w[0, :] = 0
    return w


def _standin_compute(files, scale, zp, as_float):
    fe = FRONTEND
    win = np.hanning(fe["window_samples"] + 1)[:-1]
    mel = _mel_matrix()
    out, rows, start = [], [], 0
    for path in files:
        try:
            x = read_audio(path)
        except TrainError as e:
            rows.append({"path": path, "start_frame": start, "num_frames": 0, "num_samples": 0,
                         "status": str(e)})
            continue
        n = 0 if len(x) < fe["window_samples"] else 1 + (len(x) - fe["window_samples"]) // fe["hop_samples"]
        if n:
            idx = np.arange(fe["window_samples"])[None, :] + fe["hop_samples"] * np.arange(n)[:, None]
            spec = np.abs(np.fft.rfft(x[idx] * win, fe["fft_size"]))
            f = np.log(spec @ mel + fe["log_offset"]).astype(np.float32)
        else:
            f = np.zeros((0, fe["mel_bins"]), np.float32)
        out.append(f)
        rows.append({"path": path, "start_frame": start, "num_frames": n, "num_samples": len(x),
                     "status": "ok"})
        start += n
    feats = np.concatenate(out) if out else np.zeros((0, fe["mel_bins"]), np.float32)
    if not as_float:
        feats = np.clip(np.round(feats / scale) + zp, -128, 127).astype(np.int8)
    return feats, rows
