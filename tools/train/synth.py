"""Synthetic speech for any phrase, and its near-miss negatives.

Positives: espeak-ng (7 English accents x voice variants, speed, pitch) and flite
(kal, awb, rms, slt, with sox tempo/pitch changes). Near misses: the phrase's
espeak-ng phonemes edited (a consonant swapped for a similar one, a consonant
dropped, the stressed vowel changed, the onset replaced = a rhyme, a prefix or a
suffix alone) and spoken from phonemes, plus each word of a multi-word phrase.
Everything is 16 kHz mono 16-bit WAV in the cache; a clip's file name is a hash
of how it was made, so a rerun reuses it and the set is deterministic per seed.
"""

import argparse
import glob
import os
import shutil
import subprocess

import numpy as np

from common import SAMPLE_RATE, TrainError, cache_dir, log, rng_for, stable_hash

ESPEAK_VOICES = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan",
                 "en-gb-x-gbcwmd", "en-029"]
ESPEAK_VARIANTS = ["", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5",
                   "klatt", "klatt2", "klatt3", "croak", "whisper", "Annie", "Andy", "Denis",
                   "Gene", "Jacky", "Lee", "Mike", "Tweaky", "adam", "anika", "belinda", "caleb",
                   "david", "ed", "grandma", "john", "linda", "max", "michel", "paul", "robert",
                   "steph", "victor", "aunty", "boris", "norbert", "quincy", "rob", "sandro"]
FLITE_VOICES = ["kal", "awb", "rms", "slt"]

# espeak-ng English phoneme mnemonics, longest first for greedy tokenising.
_PHONEMES = sorted(["tS", "dZ", "aI", "aU", "eI", "oU", "OI", "e@", "I@", "U@", "A@", "O@", "i@",
                    "3:", "A:", "i:", "u:", "O:", "a#", "I#", "i", "@", "3", "a", "A", "E", "I", "O",
                    "U", "V", "0", "p", "b", "t", "d", "k", "g", "f", "v", "T", "D", "s", "z", "S",
                    "Z", "h", "m", "n", "N", "l", "r", "w", "j", "@L", "#"], key=len, reverse=True)
_GROUPS = [["p", "b", "t", "d", "k", "g"], ["f", "v", "T", "D", "s", "z", "S", "Z", "h"],
           ["m", "n", "N"], ["l", "r", "w", "j"], ["tS", "dZ", "S", "Z"]]
_VOWELS = ["a", "A:", "E", "I", "i:", "O:", "U", "u:", "V", "aI", "aU", "eI", "oU", "OI", "3:", "0"]
_ONSETS = ["b", "d", "f", "g", "h", "l", "m", "n", "p", "r", "s", "t", "w", "k", "st", "br", "tS"]


def phonemes(text, voice="en-us"):
    proc = subprocess.run(["espeak-ng", "-q", "-x", "-v", voice, text], capture_output=True, text=True)
    if proc.returncode != 0:
        raise TrainError(f"espeak-ng cannot phonemise {text!r}: {proc.stderr.strip()}")
    return proc.stdout.strip()


def tokenize(ph):
    """[(symbol, stressed)] for an espeak-ng phoneme string; word breaks are ' '."""
    toks, i, stress = [], 0, False
    while i < len(ph):
        c = ph[i]
        if c in "',":
            stress = c == "'"
            i += 1
            continue
        if c in " _":
            toks.append((" ", False))
            i += 1
            continue
        for p in _PHONEMES:
            if ph.startswith(p, i):
                toks.append((p, stress and p in _VOWELS + ["@", "3", "a#", "A@", "O@", "e@"]))
                if p in _VOWELS or p in ("@", "3", "a#", "A@", "O@", "e@", "I@"):
                    stress = False
                i += len(p)
                break
        else:
            i += 1  # unknown mark (e.g. length), dropped
    return toks


def _render(toks):
    out = []
    for p, s in toks:
        out.append(("'" if s else "") + p)
    return "".join(out).replace("  ", " ").strip()


def near_miss_phonemes(text, count, seed):
    """Up to `count` distinct phoneme strings that sound close to `text` but differ."""
    toks = tokenize(phonemes(text))
    orig = _render(toks)
    rng = rng_for("nearmiss", text, seed)
    idx_cons = [i for i, (p, _) in enumerate(toks) if any(p in g for g in _GROUPS)]
    idx_vow = [i for i, (p, s) in enumerate(toks) if s]
    cands = set()
    for i in idx_cons:
        for g in _GROUPS:
            if toks[i][0] in g:
                for q in g:
                    if q != toks[i][0]:
                        cands.add(_render(toks[:i] + [(q, False)] + toks[i + 1:]))
        cands.add(_render(toks[:i] + toks[i + 1:]))  # dropped consonant
    for i in idx_vow:
        for q in _VOWELS:
            if q != toks[i][0]:
                cands.add(_render(toks[:i] + [(q, True)] + toks[i + 1:]))
    # Rhymes: a new onset before the first stressed vowel.
    if idx_vow:
        v = idx_vow[0]
        start = v
        while start > 0 and toks[start - 1][0] != " " and toks[start - 1][0] not in _VOWELS + ["@"]:
            start -= 1
        for o in _ONSETS:
            cands.add(_render(toks[:start] + [(o, False)] + toks[v:]))
    # Prefixes and suffixes (about half to three quarters of the phrase).
    n = len(toks)
    for k in range(max(2, n // 2), n - 1):
        cands.add(_render(toks[:k]))
        cands.add(_render(toks[n - k:]))
    cands.discard(orig)
    cands = sorted(c for c in cands if c and c.strip())
    rng.shuffle(cands)
    return cands[:count]


def near_miss_texts(text):
    words = text.split()
    out = []
    if len(words) > 1:
        out += words
        out.append(" ".join(reversed(words)))
    return out


def _run(cmd, what):
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        raise TrainError(f"{what} failed: {proc.stderr.decode('utf-8', 'replace').strip()[-300:]}")


def _to_16k(src, dst, tempo=1.0, pitch_cents=0, gain_db=0.0):
    """Resample to 16 kHz mono 16-bit, optional tempo/pitch, trim silence ends."""
    fx = []
    if tempo != 1.0:
        fx += ["tempo", "-s", f"{tempo:.3f}"]
    if pitch_cents:
        fx += ["pitch", str(int(pitch_cents))]
    fx += ["silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse"]
    fx += ["gain", "-n", f"{-1.0 + gain_db:.1f}"]
    _run(["sox", "-D", "-R", src, "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", dst] + fx, "sox")


def speak(text, engine, voice, speed, pitch, phoneme_input=False, tempo=1.0, pitch_cents=0, gap=0, stretch=1.0):
    """One utterance as a cached 16 kHz WAV; returns its path. gap: espeak-ng word gap (x10 ms);
    stretch: flite/festival duration stretch (flite also takes `pitch` as its f0 mean when > 0)."""
    key = f"{engine}|{voice}|{speed}|{pitch}|{phoneme_input}|{tempo}|{pitch_cents}|{text}"
    if gap or stretch != 1.0:  # older keys unchanged, so their cached clips stay valid
        key += f"|{gap}|{stretch}"
    out_dir = cache_dir("synth")
    path = os.path.join(out_dir, f"{stable_hash(key):016x}.wav")
    if os.path.exists(path):
        return path
    raw = f"{path}.{os.getpid()}.raw.wav"
    tmp = f"{path}.{os.getpid()}.tmp.wav"
    if engine == "espeak":
        say = f"[[{text}]]" if phoneme_input else text
        _run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-g", str(int(gap)), "-w", raw, say],
             "espeak-ng")
    elif engine == "flite":
        opts = ["--setf", f"duration_stretch={stretch:.3f}"] if stretch != 1.0 else []
        if pitch > 0:
            opts += ["--setf", f"int_f0_target_mean={int(pitch)}"]
        _run(["flite", "-voice", voice] + opts + ["-t", text, "-o", raw], "flite")
    elif engine == "festival":
        txt = f"{path}.{os.getpid()}.txt"
        with open(txt, "w") as f:
            f.write(text + "\n")
        try:
            _run(["text2wave", "-eval", f"(voice_{voice})", "-eval",
                  f"(Parameter.set 'Duration_Stretch {stretch:.3f})", "-o", raw, txt], "festival text2wave")
        finally:
            os.remove(txt)
    else:
        raise TrainError(f"unknown engine {engine}")
    try:
        _to_16k(raw, tmp, tempo, pitch_cents)
        os.replace(tmp, path)
    finally:
        if os.path.exists(raw):
            os.remove(raw)
    return path


def voice_grid(count, seed, tag):
    """`count` distinct (engine, voice, speed, pitch, tempo, cents) settings."""
    rng = rng_for("voices", tag, seed)
    grid = []
    for v in ESPEAK_VOICES:
        for var in ESPEAK_VARIANTS:
            grid.append(("espeak", v + ("+" + var if var else "")))
    for v in FLITE_VOICES:
        grid.append(("flite", v))
    out = []
    for i in range(count):
        engine, voice = grid[int(rng.integers(len(grid)))] if i >= len(FLITE_VOICES) * 3 else (
            "flite", FLITE_VOICES[i % len(FLITE_VOICES)])
        if engine == "espeak":
            out.append((engine, voice, int(rng.integers(110, 210)), int(rng.integers(20, 80)), 1.0, 0))
        else:
            out.append((engine, voice, 0, 0, float(rng.uniform(0.8, 1.25)),
                        int(rng.integers(-300, 300))))
    return sorted(set(out), key=out.index)


# Many-voice grid for backbone heads (tools/train/head_data.py; ../shared/TRANSFER.md "Setup that worked").
ESPEAK_ACCENTS = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029",
                  "en-uk"]
FLITE_WIDE = ["kal", "kal16", "awb", "rms", "slt"]
FESTIVAL_VOICES = ["kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts"]


def festival_voices():
    """Festival voices from FESTIVAL_VOICES that are installed (bootstrap.sh installs them)."""
    if not shutil.which("text2wave"):
        return []
    found = set()
    for d in glob.glob("/usr/share/festival/voices/*/*"):
        found.add(os.path.basename(d))
    return [v for v in FESTIVAL_VOICES if v in found]


def wide_voice_grid(count, seed, tag):
    """About `count` distinct voice settings over espeak-ng (accents x variants, speed 110-210, pitch 15-90,
    word gap 0-2), flite (5 voices, duration and f0 drawn) and festival (installed voices, duration drawn).
    Each setting: (engine, voice, speed, pitch, gap, stretch)."""
    rng = rng_for("widevoices", tag, seed)
    fest = festival_voices()
    out = set()
    n_fl, n_fe = max(5, count // 10), (max(3, count // 20) if fest else 0)
    while len(out) < count - n_fl - n_fe:
        var = ESPEAK_VARIANTS[int(rng.integers(len(ESPEAK_VARIANTS)))]
        acc = ESPEAK_ACCENTS[int(rng.integers(len(ESPEAK_ACCENTS)))]
        out.add(("espeak", acc + ("+" + var if var else ""), int(rng.integers(110, 211)),
                 int(rng.integers(15, 91)), int(rng.integers(0, 3)), 1.0))
    for i in range(n_fl):
        out.add(("flite", FLITE_WIDE[i % len(FLITE_WIDE)], 0, int(rng.integers(80, 220)), 0,
                 round(float(rng.uniform(0.85, 1.3)), 2)))
    for i in range(n_fe):
        out.add(("festival", fest[i % len(fest)], 0, 0, 0, round(float(rng.uniform(0.85, 1.3)), 2)))
    return sorted(out)


def wide_positives(text, settings, variants, seed):
    """Clips of `text` from each voice setting, `variants` per setting: the first as spoken, the others with
    sox tempo 0.9-1.1 and, on a third of them, a pitch shift of -300..300 cents. [(path, setting)]."""
    rng = rng_for("widepos", text, seed)
    jobs = []
    for e, v, sp, p, g, st in settings:
        for k in range(variants):
            tempo = 1.0 if k == 0 else round(float(rng.uniform(0.9, 1.1)), 3)
            cents = int(rng.integers(-300, 301)) if k > 0 and rng.random() < 1 / 3 else 0
            jobs.append((text, e, v, sp, p, False, tempo, cents, g, st))
    return _map(jobs)


def _speak_safe(args):
    try:
        return speak(*args)
    except TrainError as e:
        log(f"synth: skipped {args[1]} {args[2]!r}: {e}")
        return None


def positives(text, count, seed):
    jobs = [(text, e, v, s, p, False, t, c) for e, v, s, p, t, c in voice_grid(count, seed, "pos:" + text)]
    return _map(jobs)


def negatives(text, count, seed):
    """Near misses of `text`: phoneme edits spoken by espeak-ng, plus word-level ones."""
    phs = near_miss_phonemes(text, max(8, count // 4), seed)
    grid = voice_grid(count, seed, "neg:" + text)
    jobs = []
    espeak_grid = [g for g in grid if g[0] == "espeak"]
    for i in range(count):
        e, v, s, p, t, c = espeak_grid[i % len(espeak_grid)]
        jobs.append((phs[i % len(phs)], e, v, s, p, True, t, c))
    for w in near_miss_texts(text):
        for e, v, s, p, t, c in grid[: max(4, count // 10)]:
            jobs.append((w, e, v, s, p, False, t, c))
    return _map(jobs)


def _map(jobs):
    from multiprocessing import Pool

    jobs = sorted(set(jobs), key=jobs.index)
    with Pool(2) as pool:
        res = []
        for i, r in enumerate(pool.imap(_speak_safe, jobs, chunksize=4)):
            res.append(r)
            if len(jobs) >= 200 and (i + 1) % 200 == 0:
                log(f"synth: {i + 1}/{len(jobs)} clips")
    out = [r for r in res if r]
    return sorted(set(out), key=out.index)


def main():
    ap = argparse.ArgumentParser(description="Synthesise positives and near-miss negatives for a phrase.")
    ap.add_argument("phrase")
    ap.add_argument("--positives", type=int, default=200)
    ap.add_argument("--negatives", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--show", action="store_true", help="print near-miss phonemes and exit")
    a = ap.parse_args()
    if a.show:
        print("phonemes:", phonemes(a.phrase))
        for p in near_miss_phonemes(a.phrase, a.negatives, a.seed):
            print(p)
        return
    pos = positives(a.phrase, a.positives, a.seed)
    neg = negatives(a.phrase, a.negatives, a.seed)
    print(f"{len(pos)} positives, {len(neg)} near-miss negatives in {cache_dir('synth')}")


if __name__ == "__main__":
    main()
