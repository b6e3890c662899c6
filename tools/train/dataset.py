"""Datasets: sources, fixed splits, the manifest, rendering and features.

A dataset is a list of manifest entries (one JSON object per line):
  id, label, split, kind, source (path), crop [start, end) in source samples,
  aug_seed, aug (the augmentation actually applied).
Rendering an entry is a pure function of the entry, so the same manifest gives
the same audio and features bit for bit on the same machine.

Splits are by file and fixed: a file's split is a hash of its path relative to
the shared data folder (test 25 %, val 10 %, train the rest), so the held-out
test files never change between runs and are listed in the model card.
"""

import glob
import json
import os
from multiprocessing import Pool

import numpy as np

import augment
import features
import synth
from common import (FRONTEND, TrainError, log, read_audio, rng_for, segment_samples, shared_data_dir,
                    shared_path, stable_hash)

AUDIO_EXT = (".flac", ".wav", ".ogg", ".mp3", ".aiff", ".au")
SPEECH_DIRS = ["speech/librispeech_train_clean_100", "speech/dc_tts_reader", "speech/asterisk",
               "speech/arabic_sc_train", "speech_commands/v1_sample/speech_commands_v0.01"]
TEST_PERCENT = 25
VAL_PERCENT = 10


def rel(path):
    base = os.path.abspath(shared_data_dir())
    p = os.path.abspath(path)
    return os.path.relpath(p, base) if p.startswith(base + os.sep) else p


def split_of(path):
    h = stable_hash("split|" + rel(path)) % 100
    return "test" if h < TEST_PERCENT else ("val" if h < TEST_PERCENT + VAL_PERCENT else "train")


def list_audio(folder, what):
    """Audio files under folder (recursive, sorted). Clear errors if none."""
    if not os.path.isdir(folder):
        raise TrainError(f"{what}: folder {folder} does not exist")
    files = sorted(f for f in glob.glob(os.path.join(folder, "**", "*"), recursive=True)
                   if f.lower().endswith(AUDIO_EXT) and os.path.isfile(f))
    if not files:
        raise TrainError(f"{what}: no audio files (*.flac, *.wav, ...) in {folder}")
    return files


def frames_db(x, n=160):
    m = len(x) // n
    e = np.mean(np.square(x[: m * n].reshape(m, n), dtype=np.float64), axis=1)
    return 10.0 * np.log10(e + 1e-10)


def locate_word(x, max_gap_ms=150):
    """(start, end) samples of the loudest voiced region of a clip, found by
    10 ms frame energy; None if the clip is silent."""
    d = frames_db(x)
    if d.size == 0:
        return None
    floor, peak = np.percentile(d, 10), d.max()
    if peak < -70.0 or peak - floor < 10.0:
        return None
    act = d > max(floor + 12.0, peak - 35.0)
    regions, start, gap = [], None, 0
    for i, a in enumerate(act):
        if a:
            if start is None:
                start = i
            gap, end = 0, i
        elif start is not None:
            gap += 1
            if gap * 10 > max_gap_ms:
                regions.append((start, end))
                start = None
    if start is not None:
        regions.append((start, end))
    if not regions:  # peak 10-12 dB over the floor: no frame passes floor + 12 dB
        return None
    best = max(regions, key=lambda r: float(np.sum(10 ** (d[r[0]:r[1] + 1] / 10))))
    pad = 10  # 100 ms either side
    return max(0, (best[0] - pad) * 160), min(len(x), (best[1] + 1 + pad) * 160)


def source_rate(path):
    """Sample rate in the file's header (WAV/FLAC parsed here, others via
    soxi); None if it cannot be told."""
    try:
        with open(path, "rb") as f:
            h = f.read(4096)
    except OSError:
        return None
    if h[:4] == b"fLaC" and len(h) >= 21:  # STREAMINFO comes first: 20-bit rate at byte 18
        return (h[18] << 12) | (h[19] << 4) | (h[20] >> 4)
    if h[:4] == b"RIFF" and h[8:12] == b"WAVE":
        pos = 12
        while pos + 8 <= len(h):
            size = int.from_bytes(h[pos + 4:pos + 8], "little")
            if h[pos:pos + 4] == b"fmt " and pos + 16 <= len(h):
                return int.from_bytes(h[pos + 12:pos + 16], "little")
            pos += 8 + size + (size & 1)
        return None
    import subprocess
    p = subprocess.run(["soxi", "-r", path], capture_output=True, text=True)
    try:
        return int(float(p.stdout.strip())) if p.returncode == 0 else None
    except ValueError:
        return None


MIN_SOURCE_RATE = 8000  # the models use 20-4000 Hz; lower rates lack part of that band


def check_clips(files, label):
    """Reads every clip once: damaged ones are listed and skipped (never
    silently), silent ones too, and clips below MIN_SOURCE_RATE. Clips at other
    rates are resampled to 16 kHz (read_audio) and counted in one message.
    Returns {path: (start, end)} of usable clips."""
    good, bad, rates = {}, [], {}
    for f in files:
        rate = source_rate(f)
        if rate is not None and rate < MIN_SOURCE_RATE:
            bad.append(f"{f}: sample rate {rate} Hz is below {MIN_SOURCE_RATE} Hz")
            continue
        try:
            x = read_audio(f)
        except TrainError as e:
            bad.append(f"{f}: {e}")
            continue
        if rate is not None and rate != FRONTEND["sample_rate"]:
            rates[rate] = rates.get(rate, 0) + 1
        loc = locate_word(x)
        if loc is None:
            bad.append(f"{f}: silent (no speech found)")
            continue
        good[f] = loc
    for b in bad:
        log(f"dataset: skipped clip for {label!r}: {b}")
    if rates:
        log(f"dataset: {sum(rates.values())} clips for {label!r} are not {FRONTEND['sample_rate']} Hz (" +
            ", ".join(f"{n} at {r} Hz" for r, n in sorted(rates.items())) +
            f"); resampled to {FRONTEND['sample_rate']} Hz by sox")
    if not good:
        raise TrainError(f"label {label!r}: none of its {len(files)} clips is usable "
                         f"({len(bad)} damaged, silent or at too low a rate); refusing to train on nothing")
    return good


class Builder:
    """Collects manifest entries for one dataset."""

    def __init__(self, window_frames, seed):
        self.window_frames = window_frames
        self.seed = seed
        self.seg_len = segment_samples(window_frames)
        self.usable = (window_frames - 1) * FRONTEND["hop_samples"] + FRONTEND["window_samples"]
        self.entries = []

    def add(self, label, split, kind, source, crop, copies, aug=True, real=False):
        for c in range(copies):
            eid = f"{kind}:{rel(source)}:{crop[0]}:{crop[1]}:{c}"
            e = {"id": eid, "label": label, "split": split, "kind": kind,
                 "source": rel(source), "crop": [int(crop[0]), int(crop[1])],
                 "aug_seed": stable_hash(f"{self.seed}|{eid}") % (2**31),
                 "augment": bool(aug and split != "test")}
            if real:  # synthetic clip rendered through augment.realism (key absent = off)
                e["realism"] = True
            self.entries.append(e)

    def add_keyword_clips(self, label, located, copies_train):
        for f, (s, e) in sorted(located.items()):
            sp = split_of(f)
            self.add(label, sp, "keyword", f, (s, e), copies_train if sp == "train" else 1)

    def add_synth(self, label, kind, paths, copies, split_mod=10, real=False):
        for p in paths:
            # Synthetic clips: 1 in split_mod goes to val, none to test (test is real audio).
            sp = "val" if stable_hash("synth|" + os.path.basename(p)) % split_mod == 0 else "train"
            self.add(label, sp, kind, p, (0, -1), copies if sp == "train" else 1, real=real)

    def add_speech_crops(self, files, per_file_seconds, label="unknown"):
        """Crops of `usable` samples from negative speech, about one per
        per_file_seconds of audio (at least one per file)."""
        for f in files:
            n = _num_samples(f)
            if n <= 0:
                continue
            sp = split_of(f)
            k = max(1, int(n / 16000 / per_file_seconds))
            rng = rng_for("crop", self.seed, rel(f))
            for _ in range(k):
                s = int(rng.integers(0, max(1, n - self.usable)))
                self.add(label, sp, "speech", f, (s, min(n, s + self.usable)), 1)

    def add_noise(self, count):
        for i in range(count):
            sp = "train" if i % 10 else "val"
            self.entries.append({"id": f"noise:{i}", "label": "silence", "split": sp, "kind": "noise",
                                 "source": "", "crop": [0, 0],
                                 "aug_seed": stable_hash(f"{self.seed}|noise{i}") % (2**31),
                                 "augment": True})


def _num_samples(path):
    try:
        return len(read_audio(path))  # decoded once, then cached (common.read_audio)
    except TrainError as e:
        log(f"dataset: skipped damaged file {path}: {e}")
        return -1


def save_manifest(entries, path):
    with open(path, "w") as f:
        for e in entries:
            f.write(json.dumps(e, sort_keys=True) + "\n")


def load_manifest(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


# ---------------------------------------------------------------------------
# Rendering

_worker = {}


def _init_worker(seg_len, usable):
    _worker["seg_len"] = seg_len
    _worker["usable"] = usable
    _worker["noise"] = {"train": augment.load_noise_bank(shared_path, "train"),
                        "test": augment.load_noise_bank(shared_path, "test")}


def _source_path(src):
    return src if os.path.isabs(src) else shared_path(src)


def render_entry(e):
    seg_len, usable = _worker["seg_len"], _worker["usable"]
    rng = np.random.default_rng(e["aug_seed"])
    bank = _worker["noise"]["test" if e["split"] == "test" else "train"]
    if e["kind"] == "noise":
        names = sorted(bank)
        name = names[int(rng.integers(len(names)))]
        n = bank[name]
        s = int(rng.integers(0, max(1, len(n) - seg_len)))
        level = float(rng.uniform(-75.0, -20.0))
        y = np.resize(n[s:s + seg_len], seg_len).astype(np.float32)
        y *= np.float32(10 ** ((level - augment.rms_db(y)) / 20.0))
        return y, {"noise": os.path.basename(name), "noise_start": s, "level_db": round(level, 2)}
    x = read_audio(_source_path(e["source"]))
    s, t = e["crop"]
    x = x[s:(t if t > 0 else len(x))]
    if not e["augment"]:
        y, off = augment.place(x, seg_len, usable, rng, jitter=False)
        return y, {"offset": off}
    speech_level = e["kind"] != "speech"
    return augment.augment(x, rng, bank, seg_len, usable, speech_level=speech_level,
                           noise_prob=0.8 if e["label"] != "unknown" else 0.5, real=bool(e.get("realism")))


def render(entries, out_dir, window_frames, quant, tag):
    """Renders entries to shards, runs kws-features, returns int8
    [N, window_frames, dim]. Fills e["aug"]. Skips (with a message) entries
    whose features failed."""
    seg_len = segment_samples(window_frames)
    usable = (window_frames - 1) * FRONTEND["hop_samples"] + FRONTEND["window_samples"]
    os.makedirs(out_dir, exist_ok=True)
    log(f"render {tag}: {len(entries)} segments")
    with Pool(2, initializer=_init_worker, initargs=(seg_len, usable)) as pool:
        res = pool.map(render_entry, entries, chunksize=16)
    segs = []
    for e, (y, p) in zip(entries, res):
        e["aug"] = p
        segs.append(y)
    per = 400
    shards = augment.write_shards(segs, out_dir, tag, per)
    feats, rows = features.compute(shards, os.path.join(out_dir, tag + "_features"), quant[0], quant[1])
    out = np.zeros((len(entries), window_frames, feats.shape[1]), np.int8)
    ok = np.ones(len(entries), bool)
    for si, r in enumerate(rows):
        for j in range(min(per, len(entries) - si * per)):
            i = si * per + j
            start = r["start_frame"] + j * (window_frames + 1)
            if r["status"] != "ok" or j * (window_frames + 1) + window_frames > r["num_frames"]:
                ok[i] = False
                continue
            out[i] = feats[start:start + window_frames]
    for path in shards:
        os.remove(path)
    if not ok.all():
        log(f"render {tag}: {int((~ok).sum())} segments had no features and were dropped")
    return out[ok], [e for e, k in zip(entries, ok) if k]
