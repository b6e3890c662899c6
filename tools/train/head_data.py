"""Training streams for keyword heads on the openWakeWord backbone (tools/train/head.py).

A head sees 16 embeddings (1.28 s) of the frozen backbone, so it is trained on
continuous audio, not on cut segments: each positive stream holds many clips of
the phrase, each after 0.5-1.5 s of silence or real negative speech and followed
by a 1.6-2 s gap, at -38..-16 dBFS, over a noise bed at 0-25 dB SNR; negative
streams hold real speech in noise, and a few minutes hold noise alone. The
recipe is ../shared/TRANSFER.md's "Setup that worked".

Held out, never used here: the last 25 % of every noise file (augment.py keeps
it for testing), every speech file that dataset.split_of puts in 'val' or
'test', and every keyword recording (keywords/wwb is not read at all, so a head
trained from text has heard no speaker of the keyword's test set).

Each stream is a 16 kHz mono WAV with a sidecar NAME.json:
  {"events": [[start, end], ...]}   phrase locations in samples (empty for negatives)
Everything is a pure function of (phrase, clips, seed): a rerun reuses the files.
"""

import json
import os

import numpy as np

import augment
import dataset
from common import SAMPLE_RATE, TrainError, log, read_audio, rng_for, shared_path, write_wav

LEVEL_DB = (-38.0, -16.0)       # clip RMS
SNR_DB = (0.0, 25.0)            # noise bed under the clips' level
LEAD_S = (0.5, 1.5)             # silence or speech before a clip
GAP_S = (1.6, 2.0)              # after a clip
REVERB_P = 0.3
NOISE_P = 0.9                   # streams with a noise bed (the rest: digital silence between clips)
POS_STREAM_S = 30.0
NEG_STREAM_S = 60.0


def train_speech_files():
    """Negative speech the fixed splits assign to training (dataset.SPEECH_DIRS, split 'train')."""
    out = []
    for d in dataset.SPEECH_DIRS:
        if os.path.isdir(shared_path(d)):
            out += [f for f in dataset.list_audio(shared_path(d), "negative speech")
                    if dataset.split_of(f) == "train"]
    if not out:
        raise TrainError(f"no negative speech found under {shared_path('speech')} (set KWS_SHARED_DATA)")
    return out


def _set_level(x, db):
    return (x * np.float32(10 ** ((db - augment.rms_db(x)) / 20.0))).astype(np.float32)


def _noise_bed(bank, n, rng):
    names = sorted(bank)
    src = bank[names[int(rng.integers(len(names)))]]
    s = int(rng.integers(0, max(1, len(src) - n)))
    return np.resize(src[s:s + n], n).astype(np.float32)


def _mix_noise(y, level_db, bank, rng):
    if not bank or rng.random() >= NOISE_P:
        return y
    snr = float(rng.uniform(*SNR_DB))
    return y + _set_level(_noise_bed(bank, len(y), rng), level_db - snr)


class _SpeechPool:
    """Random crops of training speech (decoded once, cached by common.read_audio)."""

    def __init__(self, files, rng):
        self.files, self.rng = files, rng

    def crop(self, n):
        x = read_audio(self.files[int(self.rng.integers(len(self.files)))])
        if len(x) <= n:
            return np.resize(x, n)
        s = int(self.rng.integers(0, len(x) - n))
        return x[s:s + n]


def _positive_stream(clips, bank, speech, rng):
    parts, events, pos = [], [], 0
    level = float(rng.uniform(*LEVEL_DB))
    for c in clips:
        lead = int(rng.uniform(*LEAD_S) * SAMPLE_RATE)
        if rng.random() < 0.5:
            parts.append(_set_level(speech.crop(lead), level + float(rng.uniform(-6, 3))))
        else:
            parts.append(np.zeros(lead, np.float32))
        pos += lead
        x = read_audio(c)
        if rng.random() < REVERB_P:
            x = augment.reverb(x, *augment.REVERB_GRID[int(rng.integers(len(augment.REVERB_GRID)))])
        x = _set_level(x, float(rng.uniform(*LEVEL_DB)))
        parts.append(x)
        events.append([pos, pos + len(x)])
        pos += len(x)
        gap = int(rng.uniform(*GAP_S) * SAMPLE_RATE)
        parts.append(np.zeros(gap, np.float32))
        pos += gap
    y = np.concatenate(parts)
    return _mix_noise(y, level, bank, rng), events


def _negative_stream(speech, bank, rng, seconds):
    parts, n = [], 0
    level = float(rng.uniform(*LEVEL_DB))
    while n < seconds * SAMPLE_RATE:
        x = read_audio(speech.files[int(rng.integers(len(speech.files)))])
        if len(x) > 8 * SAMPLE_RATE:
            s = int(rng.integers(0, len(x) - 8 * SAMPLE_RATE))
            x = x[s:s + 8 * SAMPLE_RATE]
        parts.append(_set_level(x, level + float(rng.uniform(-6, 6))))
        gap = np.zeros(int(rng.uniform(0.1, 1.0) * SAMPLE_RATE), np.float32)
        parts.append(gap)
        n += len(x) + len(gap)
    return _mix_noise(np.concatenate(parts), level, bank, rng)


def _write(path, y, events):
    peak = float(np.max(np.abs(y))) if len(y) else 0.0
    if peak > 0.99:  # loud clip over a loud noise bed: scale the stream, keep the SNR
        y = y * np.float32(0.99 / peak)
    write_wav(path, y)
    with open(path[:-4] + ".json", "w") as f:
        json.dump({"events": events}, f)


def build(phrase_tag, clips, out_dir, seed, copies=2, neg_minutes=80.0, noise_minutes=5.0, neg_dir=None):
    """Writes positive streams into out_dir and negative and noise-only streams into neg_dir (default out_dir;
    they do not depend on the phrase, so keywords trained with the same seed share them and their
    embeddings); returns [(wav, events)].
    clips: synthetic positives (paths); each appears `copies` times (different lead, level, reverb, noise)."""
    if not clips:
        raise TrainError("no positive clips to build training streams from")
    neg_dir = neg_dir or out_dir
    os.makedirs(out_dir, exist_ok=True)
    os.makedirs(neg_dir, exist_ok=True)
    bank = augment.load_noise_bank(shared_path, "train")
    if not bank:
        log("head_data: no noise files found: streams without a noise bed")
    speech = _SpeechPool(train_speech_files(), rng_for("headspeech", phrase_tag, seed))
    rng = rng_for("headorder", phrase_tag, seed)
    order = [c for _ in range(copies) for c in clips]
    order = [order[i] for i in rng.permutation(len(order))]
    per = max(1, int(POS_STREAM_S / 3.5))
    plan = [("pos", order[i:i + per]) for i in range(0, len(order), per)]
    plan += [("neg", None)] * int(neg_minutes * 60 / NEG_STREAM_S)
    plan += [("noise", None)] * max(1, int(noise_minutes * 60 / NEG_STREAM_S))
    out, npos = [], sum(1 for k, _ in plan if k == "pos")
    for i, (kind, chunk) in enumerate(plan):
        if kind == "pos":
            path = os.path.join(out_dir, f"{kind}_{i:04d}.wav")
            r = rng_for("headstream", phrase_tag, seed, i)
        else:
            path = os.path.join(neg_dir, f"{kind}_{i - npos:04d}.wav")
            r = rng_for("headneg", seed, i - npos)
            speech.rng = rng_for("headnegspeech", seed, i - npos)
        if not (os.path.exists(path) and os.path.exists(path[:-4] + ".json")):
            if kind == "pos":
                y, ev = _positive_stream(chunk, bank, speech, r)
            elif kind == "neg":
                y, ev = _negative_stream(speech, bank, r, NEG_STREAM_S), []
            else:
                n = int(NEG_STREAM_S * SAMPLE_RATE)
                y, ev = _set_level(_noise_bed(bank, n, r), float(r.uniform(-60, -20))) if bank else \
                    np.zeros(n, np.float32), []
            _write(path, y, ev)
        with open(path[:-4] + ".json") as f:
            out.append((path, json.load(f)["events"]))
        if (i + 1) % 50 == 0 or i + 1 == len(plan):
            log(f"head_data: {i + 1}/{len(plan)} streams")
    return out
