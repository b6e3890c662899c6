"""Augmentation: background noise at a range of SNRs, gain, time shift, room
reverberation (sox reverb) and the band limits of a cheap USB microphone.

Every random choice comes from a Generator seeded by the sample's manifest key,
so the same manifest renders the same audio, sample for sample.
"""

import os
import subprocess

import numpy as np
from scipy import signal

from common import SAMPLE_RATE, TrainError, read_audio, write_wav

NOISE_FILES = ["noise/speech_commands/doing_the_dishes.flac", "noise/speech_commands/dude_miaowing.flac",
               "noise/speech_commands/exercise_bike.flac", "noise/speech_commands/pink_noise.flac",
               "noise/speech_commands/running_tap.flac", "noise/speech_commands/white_noise.flac",
               "noise/arabic_sc/boiler.flac", "noise/arabic_sc/washing_machine.flac"]
# The last quarter of every noise file is held out for testing.
NOISE_TEST_FRACTION = 0.25


def load_noise_bank(shared_path, split):
    """{name: float32 audio} of the train (first 3/4) or test (last 1/4) part."""
    bank = {}
    for rel in NOISE_FILES:
        path = shared_path(rel)
        if not os.path.exists(path):
            continue
        x = read_audio(path)
        cut = int(len(x) * (1.0 - NOISE_TEST_FRACTION))
        bank[rel] = x[:cut] if split != "test" else x[cut:]
    return bank


def rms_db(x):
    return 10.0 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-12)


def sox_reverb_ir(reverberance, hf_damping, room_scale, seconds=1.0):
    """Impulse response of sox's reverb effect (linear and time-invariant, so
    convolving with it equals running sox on the clip, without a process per clip)."""
    n = int(seconds * SAMPLE_RATE)
    imp = np.zeros(n, np.float32)
    imp[0] = 0.5
    cmd = ["sox", "-D", "-R", "-t", "raw", "-r", str(SAMPLE_RATE), "-e", "floating-point", "-b", "32",
           "-c", "1", "-", "-t", "raw", "-e", "floating-point", "-b", "32", "-",
           "reverb", str(int(reverberance)), str(int(hf_damping)), str(int(room_scale))]
    proc = subprocess.run(cmd, input=imp.tobytes(), capture_output=True)
    if proc.returncode != 0:
        raise TrainError("sox reverb failed: " + proc.stderr.decode("utf-8", "replace")[-200:])
    return np.frombuffer(proc.stdout, np.float32)[:n] * 2.0


_IR_BANK = {}


def reverb(x, reverberance, hf_damping, room_scale):
    key = (int(reverberance), int(hf_damping), int(room_scale))
    if key not in _IR_BANK:
        _IR_BANK[key] = sox_reverb_ir(*key)
    return signal.fftconvolve(x, _IR_BANK[key])[: len(x)].astype(np.float32)


# A small grid keeps the impulse responses cacheable per worker.
REVERB_GRID = [(r, d, s) for r in (30, 50, 70) for d in (30, 70) for s in (30, 60, 90)]


def usb_mic(x, highpass_hz, lowpass_hz):
    sos_hp = signal.butter(2, highpass_hz, "highpass", fs=SAMPLE_RATE, output="sos")
    sos_lp = signal.butter(4, lowpass_hz, "lowpass", fs=SAMPLE_RATE, output="sos")
    return signal.sosfilt(sos_lp, signal.sosfilt(sos_hp, x)).astype(np.float32)


def place(x, seg_len, usable, rng, jitter=True):
    """Puts clip x into a zero segment of seg_len samples, inside the first
    `usable` samples (the part the classifier window sees), at a random shift."""
    out = np.zeros(seg_len, np.float32)
    if len(x) > usable:
        start = (len(x) - usable) // 2
        if jitter:
            start = int(rng.integers(0, len(x) - usable + 1))
        out[:usable] = x[start:start + usable]
        return out, -start
    off = int(rng.integers(0, usable - len(x) + 1)) if jitter else (usable - len(x)) // 2
    out[off:off + len(x)] = x
    return out, off


def speed(x, factor):
    """Plays x `factor` times faster (tempo and pitch together), by linear interpolation."""
    n = max(2, int(round(len(x) / factor)))
    return np.interp(np.arange(n) * factor, np.arange(len(x)), x).astype(np.float32)


def tilt(x, a):
    """First-order spectral tilt: y[n] = x[n] - a x[n-1] (a > 0 brightens, a < 0 dulls)."""
    return signal.lfilter([1.0, -a], [1.0], x).astype(np.float32)


def noise_floor(n, rng, level_db):
    """Stationary coloured noise at level_db RMS: a microphone's and room's own hiss."""
    w = rng.standard_normal(n).astype(np.float32)
    w = signal.lfilter([1.0], [1.0, -float(rng.uniform(0.0, 0.95))], w).astype(np.float32)
    return w * np.float32(10 ** ((level_db - rms_db(w)) / 20.0))


def realism(x, rng, p):
    """Makes a clean synthetic clip sound more like a real recording: speed
    (tempo+pitch) change and spectral tilt. The caller then adds reverb, a noise
    floor, background noise and band limits."""
    f = float(rng.uniform(0.88, 1.15))
    x = speed(x, f)
    a = float(rng.uniform(-0.6, 0.9))
    x = tilt(x, a)
    p["speed"], p["tilt"] = round(f, 3), round(a, 2)
    return x


def augment(x, rng, noise_bank, seg_len, usable, *, speech_level=True, noise_prob=0.8,
            snr_range=(0.0, 25.0), reverb_prob=0.3, mic_prob=0.5, shift=True, real=False):
    """Returns (segment, params). x: float32 clip (already cut around the word).
    real=True (synthetic speech): the realism() chain, more reverb, a noise floor
    and wider band limits, so synthetic clips do not stand out from recordings."""
    p = {}
    if real:
        x = realism(x, rng, p)
        reverb_prob, mic_prob, noise_prob = 0.7, 0.8, max(noise_prob, 0.85)
        snr_range = (3.0, 30.0)
    y, p["offset"] = place(x, seg_len, usable, rng, jitter=shift)
    if speech_level:
        level = float(rng.uniform(-42.0, -14.0))
        active = y[np.abs(y) > 1e-4]
        cur = rms_db(active) if active.size else -100.0
        if cur > -90.0:
            y = y * np.float32(10 ** ((level - cur) / 20.0))
        p["level_db"] = round(level, 2)
    if rng.random() < reverb_prob:
        rv = REVERB_GRID[int(rng.integers(len(REVERB_GRID)))]
        y = reverb(y, *rv)
        p["reverb"] = rv
    if real:
        sig = y[np.abs(y) > 1e-4]
        fl = min((rms_db(sig) if sig.size else -40.0) - 15.0, float(rng.uniform(-78.0, -50.0)))
        y = y + noise_floor(len(y), rng, fl)
        p["floor_db"] = round(fl, 1)
    if noise_bank and rng.random() < noise_prob:
        names = sorted(noise_bank)
        name = names[int(rng.integers(len(names)))]
        n = noise_bank[name]
        start = int(rng.integers(0, max(1, len(n) - seg_len)))
        seg = np.resize(n[start:start + seg_len], seg_len).astype(np.float32)
        snr = float(rng.uniform(*snr_range))
        sig_db = rms_db(y[np.abs(y) > 1e-4]) if np.any(np.abs(y) > 1e-4) else -60.0
        gain = 10 ** ((sig_db - snr - rms_db(seg)) / 20.0)
        y = y + np.float32(gain) * seg
        p["noise"] = os.path.basename(name)
        p["noise_start"] = start
        p["snr_db"] = round(snr, 2)
    if rng.random() < mic_prob:
        hp, lp = ((float(rng.uniform(60, 350)), float(rng.uniform(3400, 7600))) if real else
                  (float(rng.uniform(100, 200)), float(rng.uniform(6000, 7000))))
        y = usb_mic(y, hp, lp)
        p["mic"] = (round(hp), round(lp))
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if peak > 0.99:
        y = y * np.float32(0.99 / peak)
    return y.astype(np.float32), p


def write_shards(segments, out_dir, prefix, per_shard=400):
    """Concatenates equal-length segments into WAV shards. Returns shard paths."""
    paths = []
    for s in range(0, len(segments), per_shard):
        path = os.path.join(out_dir, f"{prefix}_{s // per_shard:04d}.wav")
        write_wav(path, np.concatenate(segments[s:s + per_shard]))
        paths.append(path)
    return paths
