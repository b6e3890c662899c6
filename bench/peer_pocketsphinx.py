#!/usr/bin/python3
"""kwsd next to PocketSphinx keyphrase spotting on the same audio, in one run.

Audio (made at run time under the work dir, never committed):
  positives  the held-out computer/jarvis clips of models/kwsd_default.test_files.txt
             (shared wwb data), one stream per keyword: each clip between 1 s of
             digital silence, clean (no added noise);
  negatives  the held-out negative files of the same list (speech the model
             never trained on), concatenated into one stream.
Both engines read the same 16 kHz mono 16-bit WAV files.

Scoring (the same code for both engines): a positive clip is detected when its
keyword fires between the clip's start and 0.5 s after its end; FRR = missed
clips / clips. A false accept is any keyword detection in the negative stream;
FA/h = false accepts / negative hours. Detections of the other keyword inside
positive streams are ignored.

Sweep: kwsd over its smoothed-posterior threshold (both keywords set to the
same value through a kwsd.yaml given to `kwsd replay`; min_count and
refractory stay the model's), PocketSphinx over -kws_threshold (one list file
with both keyphrases at the same threshold). "Matched FA/h" means: for each
FA/h budget, each engine's lowest FRR among its sweep points whose FA/h on
these negatives is at or below the budget (the resolution is 1 false accept
per negative hours, printed with the table).

CPU per hour of audio: user+system CPU of the engine's process (model load,
WAV decoding and recognition) over all streams at one operating point, divided
by the hours of audio it processed.

    /usr/bin/python3 bench/peer_pocketsphinx.py [--kwsd build/release/bin/kwsd]
        [--work build/release/peer] [--jobs 2] [--no-cache]

PocketSphinx's detections and CPU time per threshold are cached in
<work>/ps_cache, keyed by the PocketSphinx package versions, the threshold and a
SHA-256 of the stream WAVs: they do not depend on kwsd, so a rerun after a kwsd
change recomputes only kwsd's side. --no-cache recomputes everything.
"""

import argparse
import concurrent.futures as futures
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import wave

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
RATE = 16000
HIT_AFTER_S = 0.5
GAP_S = 1.0
KEYWORDS = ("computer", "jarvis")
KWSD_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.925, 0.95, 0.97, 0.98, 0.99, 0.995)
PS_THRESHOLDS = (1e-40, 1e-30, 1e-25, 1e-20, 1e-15, 1e-10, 1e-5, 1e-2)
BUDGETS = (0.0, 2.0, 5.0, 10.0, 20.0)


def shared_dir():
    return os.environ.get("KWS_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))


def heldout_lists(work):
    out = os.path.join(work, "lists")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools/eval/heldout_lists.py"),
                    os.path.join(ROOT, "models/kwsd_default.test_files.txt"), out],
                   check=True, stdout=subprocess.DEVNULL)
    positives = {k: [] for k in KEYWORDS}
    with open(os.path.join(out, "positives.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            path, kw = line.rstrip("\n").split("\t")
            positives[kw].append(path)
    with open(os.path.join(out, "negatives.txt")) as f:
        negatives = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    return {k: sorted(v) for k, v in positives.items()}, sorted(negatives)


def pcm16(path):
    """16 kHz mono int16 little-endian bytes of any file sox reads."""
    return subprocess.run(["sox", "-V1", path, "-t", "raw", "-r", str(RATE), "-c", "1", "-b", "16",
                           "-e", "signed-integer", "-L", "-"],
                          check=True, stdout=subprocess.PIPE).stdout


def write_wav(path, chunks):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        for c in chunks:
            w.writeframes(c)


def build_streams(work, positives, negatives):
    """Writes the WAVs; returns {name: (path, seconds, truth)} with truth a list of
    (keyword, start_s, end_s) for positive streams."""
    streams = {}
    silence = b"\0\0" * int(GAP_S * RATE)
    for kw, clips in positives.items():
        chunks, truth, t = [silence], [], GAP_S
        for clip in clips:
            pcm = pcm16(clip)
            dur = len(pcm) / 2 / RATE
            chunks += [pcm, silence]
            truth.append((kw, t, t + dur))
            t += dur + GAP_S
        path = os.path.join(work, "positives_%s.wav" % kw)
        write_wav(path, chunks)
        streams["pos_" + kw] = (path, t, truth)
    chunks = [pcm16(f) for f in negatives]
    path = os.path.join(work, "negatives.wav")
    write_wav(path, chunks)
    streams["negatives"] = (path, sum(len(c) for c in chunks) / 2 / RATE, [])
    return streams


def run_timed(cmd):
    """(stdout, CPU seconds of the child) for one command."""
    # Output goes to temporary files, not pipes: the child is reaped with
    # wait4 (for its own rusage) before anything is read, so a pipe would
    # block the child, and this wait with it, once a pipe buffer filled.
    with tempfile.TemporaryFile(mode="w+") as fout, tempfile.TemporaryFile(mode="w+") as ferr:
        proc = subprocess.Popen(cmd, stdout=fout, stderr=ferr, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        fout.seek(0)
        ferr.seek(0)
        out, err = fout.read(), ferr.read()
    if proc.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(cmd[:3]), err[-2000:]))
    return out, usage.ru_utime + usage.ru_stime


def kwsd_run(kwsd, work, threshold, streams):
    cfg = os.path.join(work, "kwsd_t%s.yaml" % threshold)
    with open(cfg, "w") as f:
        f.write("stage1:\n  keywords:\n")
        for kw in KEYWORDS:
            f.write("    %s:\n      threshold: %s\n" % (kw, threshold))
    cmd = [kwsd, "replay", "--model", os.path.join(ROOT, "models/kwsd_default.tflite"),
           "--config", cfg, "--quiet"] + [s[0] for s in streams.values()]
    out, cpu = run_timed(cmd)
    by_path = {s[0]: name for name, s in streams.items()}
    dets = {name: [] for name in streams}
    for line in out.splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            dets[by_path[d["file"]]].append((d["keyword"], d["time_s"]))
    return dets, cpu


def ps_version():
    """The installed PocketSphinx package and its model, for the result cache key."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Version}\n", "pocketsphinx",
                              "pocketsphinx-en-us"], capture_output=True, text=True).stdout
    except OSError:
        out = ""
    return out.strip()


def ps_cache_key(threshold, streams):
    """Same PocketSphinx, threshold and stream bytes give the same detections: the
    key covers all three (SHA-256 of each stream WAV)."""
    h = hashlib.sha256()
    h.update(("%s|%g|%s" % (ps_version(), threshold, ",".join(KEYWORDS))).encode())
    for name in sorted(streams):
        with open(streams[name][0], "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:24]


def ps_run(work, threshold, streams, cache=True):
    """PocketSphinx detections and CPU seconds at one threshold. Its results do not
    depend on kwsd, so they are kept under work/ps_cache/ by ps_cache_key and
    reused (--no-cache recomputes)."""
    path = os.path.join(work, "ps_cache", ps_cache_key(threshold, streams) + ".json")
    if cache and os.path.exists(path):
        try:
            with open(path) as f:
                saved = json.load(f)
            return {k: [tuple(d) for d in v] for k, v in saved["dets"].items()}, saved["cpu"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            print("peer: ignoring unreadable cache entry %s (%s); recomputing" % (path, e),
                  file=sys.stderr)
    dets, cpu = ps_compute(work, threshold, streams)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump({"threshold": threshold, "dets": dets, "cpu": cpu}, f)
    os.replace(path + ".tmp", path)
    return dets, cpu


def ps_compute(work, threshold, streams):
    kws = os.path.join(work, "ps_t%g.kws" % threshold)
    with open(kws, "w") as f:
        for kw in KEYWORDS:
            f.write("%s /%g/\n" % (kw, threshold))
    dets, cpu = {}, 0.0
    for name, (path, _, _) in streams.items():
        out, c = run_timed(["pocketsphinx_continuous", "-infile", path, "-kws", kws,
                            "-time", "yes", "-logfn", "/dev/null"])
        cpu += c
        dets[name] = []
        for line in out.splitlines():
            parts = line.split()
            # -time yes: "<word> <start> <end> <prob>" per detection
            if len(parts) == 4 and parts[0] in KEYWORDS:
                dets[name].append((parts[0], float(parts[2])))
    return dets, cpu


def score(dets, streams):
    neg_h = streams["negatives"][1] / 3600.0
    fa = len(dets["negatives"])
    missed, total = {}, {}
    for kw in KEYWORDS:
        truth = streams["pos_" + kw][2]
        times = sorted(t for k, t in dets["pos_" + kw] if k == kw)
        total[kw] = len(truth)
        missed[kw] = sum(1 for _, a, b in truth
                         if not any(a <= t <= b + HIT_AFTER_S for t in times))
    frr = sum(missed.values()) / max(1, sum(total.values()))
    return {"fa": fa, "fa_h": fa / neg_h, "frr": frr,
            "frr_kw": {kw: missed[kw] / max(1, total[kw]) for kw in KEYWORDS}}


def best_at(points, budget):
    ok = [p for p in points if p["fa_h"] <= budget + 1e-9]
    return min(ok, key=lambda p: (p["frr"], p["fa_h"])) if ok else None


def fmt_point(p, fmt_t):
    if p is None:
        return "not reached"
    return "%.1f %% (%s, %.1f FA/h)" % (100 * p["frr"], fmt_t(p["t"]), p["fa_h"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kwsd", default=os.path.join(ROOT, "build/release/bin/kwsd"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build/release/peer"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-cache", action="store_true",
                    help="recompute PocketSphinx even where work/ps_cache has its result")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    t0 = time.time()
    positives, negatives = heldout_lists(a.work)
    streams = build_streams(a.work, positives, negatives)
    audio_h = sum(s[1] for s in streams.values()) / 3600.0
    neg_h = streams["negatives"][1] / 3600.0

    results = {"kwsd": [], "pocketsphinx": []}
    cpu = {}
    with futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        jobs = {}
        for t in KWSD_THRESHOLDS:
            jobs[pool.submit(kwsd_run, a.kwsd, a.work, t, streams)] = ("kwsd", t)
        for t in PS_THRESHOLDS:
            jobs[pool.submit(ps_run, a.work, t, streams, not a.no_cache)] = ("pocketsphinx", t)
        for job in futures.as_completed(jobs):
            engine, t = jobs[job]
            dets, c = job.result()
            p = score(dets, streams)
            p["t"], p["cpu"] = t, c
            results[engine].append(p)
    for engine in results:
        results[engine].sort(key=lambda p: p["t"])
        # CPU at one operating point: the median over the sweep (the work per
        # run barely depends on the threshold).
        cs = sorted(p["cpu"] for p in results[engine])
        cpu[engine] = cs[len(cs) // 2] / audio_h

    fmt = {"kwsd": lambda t: "t=%g" % t, "pocketsphinx": lambda t: "t=%g" % t}
    n_pos = {kw: len(positives[kw]) for kw in KEYWORDS}
    print("## kwsd vs PocketSphinx (same audio)\n")
    print("Positives: %d held-out clips (computer %d, jarvis %d), clean, 1 s silence between; "
          "negatives: %d held-out files, %.2f h (1 false accept = %.2f FA/h). "
          "Audio per run: %.2f h.\n" % (sum(n_pos.values()), n_pos["computer"], n_pos["jarvis"],
                                        len(negatives), neg_h, 1 / neg_h, audio_h))
    print("| FA/h budget | kwsd FRR (threshold, FA/h) | PocketSphinx FRR (kws_threshold, FA/h) |")
    print("|---|---|---|")
    for b in BUDGETS:
        print("| <= %g | %s | %s |" % (b, fmt_point(best_at(results["kwsd"], b), fmt["kwsd"]),
                                       fmt_point(best_at(results["pocketsphinx"], b),
                                                 fmt["pocketsphinx"])))
    print("\n| engine | CPU s per hour of audio | x real time (1 core) |")
    print("|---|---|---|")
    for engine in ("kwsd", "pocketsphinx"):
        print("| %s | %.1f | %.0f |" % (engine, cpu[engine], 3600.0 / cpu[engine]))
    for engine in ("kwsd", "pocketsphinx"):
        print("\n%s sweep (threshold: FRR all / computer / jarvis, false accepts, FA/h):" % engine)
        for p in results[engine]:
            print("  %g: %.1f %% / %.1f %% / %.1f %%, %d, %.1f" % (
                p["t"], 100 * p["frr"], 100 * p["frr_kw"]["computer"],
                100 * p["frr_kw"]["jarvis"], p["fa"], p["fa_h"]))
    print("\n(%.0f s wall for the whole comparison)" % (time.time() - t0))


if __name__ == "__main__":
    main()
