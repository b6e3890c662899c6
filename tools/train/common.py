"""Shared paths, the front-end choice and small helpers for the training tools.

Everything here is host-side Python (Debian's /usr/bin/python3). Third-party data
is read from KWS_SHARED_DATA (default: ../shared/data beside the checkout) and is
never copied into the repository; generated audio goes to a cache directory
outside the tree (KWS_TRAIN_CACHE, default ~/.cache/kwsd).
"""

import hashlib
import os
import sys
import time
import wave

import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLE_RATE = 16000


def shared_data_dir():
    return os.environ.get("KWS_SHARED_DATA", os.path.join(REPO_ROOT, "..", "shared", "data"))


def shared_path(rel):
    return os.path.join(shared_data_dir(), rel)


def cache_dir(*parts):
    base = os.environ.get("KWS_TRAIN_CACHE", os.path.expanduser("~/.cache/kwsd"))
    path = os.path.join(base, *parts)
    os.makedirs(path, exist_ok=True)
    return path


# The front end of our own models. 30 ms Hann window, 20 ms hop, 40 log-mel
# bands over 20-4000 Hz: below the 6-7 kHz roll-off of a cheap USB microphone,
# and the classic small-footprint KWS resolution. The int8 range is chosen from
# data (features.choose_quantization) and then written into the model metadata.
FRONTEND = {
    "features": "logmel",
    "sample_rate": 16000,
    "window_samples": 480,
    "hop_samples": 320,
    "fft_size": 512,
    "window": "hann",
    "spectrum": "magnitude",
    "mel_bins": 40,
    "fmin": 20,
    "fmax": 4000,
    "log_offset": 1e-6,
    "num_mfcc": 10,
}


def segment_samples(window_frames, hop=FRONTEND["hop_samples"]):
    """Audio length whose first `window_frames` frames never cross into the next
    segment when segments are concatenated: (window_frames + 1) * hop."""
    return (window_frames + 1) * hop


def stable_hash(text):
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:8], "little")


def rng_for(*keys):
    """A numpy Generator seeded from the given keys, independent of call order."""
    return np.random.default_rng(stable_hash("|".join(str(k) for k in keys)))


def log(msg):
    sys.stderr.write(time.strftime("%H:%M:%S ") + msg + "\n")
    sys.stderr.flush()


class TrainError(Exception):
    """A user-facing error: bad input, missing data, nothing to train on."""


def write_wav(path, samples):
    """Writes float [-1, 1] or int16 samples as 16 kHz mono 16-bit WAV."""
    if samples.dtype != np.int16:
        samples = np.clip(np.round(samples * 32767.0), -32768, 32767).astype(np.int16)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(samples.tobytes())


def read_audio(path):
    """read_audio_uncached, memoised as int16 .npy in the cache (keyed by path,
    size and mtime), since training decodes the same files many times."""
    try:
        st = os.stat(path)
    except OSError:
        raise TrainError(f"cannot read audio {path}: no such file")
    key = f"{os.path.abspath(path)}|{st.st_size}|{st.st_mtime_ns}"
    cpath = os.path.join(cache_dir("decoded"), f"{stable_hash(key):016x}.npy")
    if os.path.exists(cpath):
        return np.load(cpath).astype(np.float32) / 32768.0
    x = read_audio_uncached(path)
    tmp = f"{cpath}.{os.getpid()}.npy"
    np.save(tmp, np.round(x * 32768.0).astype(np.int16))
    os.replace(tmp, cpath)
    return x


def read_audio_uncached(path):
    """Reads any sox-readable file as float32 16 kHz mono (resampling and
    down-mixing as needed). Raises TrainError naming the file if it is damaged."""
    import subprocess

    cmd = ["sox", "-D", "-R", path, "-t", "raw", "-e", "signed", "-b", "16", "-c", "1",
           "-r", str(SAMPLE_RATE), "-"]
    proc = subprocess.run(cmd, capture_output=True)
    err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    # A truncated FLAC decodes partially: sox prints "FAIL ... LOST_SYNC" but exits 0.
    fail = [line for line in err if " FAIL " in f" {line} "]
    if proc.returncode != 0 or fail:
        raise TrainError(f"cannot read audio {path}: {(fail or err or ['sox failed'])[-1]}")
    data = np.frombuffer(proc.stdout, dtype=np.int16)
    if data.size == 0:
        raise TrainError(f"audio file {path} has no samples")
    return data.astype(np.float32) / 32768.0
