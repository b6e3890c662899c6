#!/usr/bin/python3
"""Formats bench/run.sh's outputs as one Markdown report.

    /usr/bin/python3 bench/report.py OUT_DIR REPO_ROOT
"""

import datetime
import json
import os
import re
import subprocess
import sys


def kv(path):
    out = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                out[k] = v
    return out


def sh(cmd, cwd=None):
    try:
        return subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def machine():
    for line in sh(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "?"


def callgrind_total(path):
    with open(path) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    return 0


def inclusive(path, pattern):
    """Largest inclusive Ir of a function whose name matches `pattern`."""
    best = 0
    rx = re.compile(pattern)
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*([\d,]+) \([^)]*\)\s+(.*)$", line)
            if m and rx.search(m.group(2)):
                best = max(best, int(m.group(1).replace(",", "")))
    return best


def us(ns):
    return "%.2f" % (ns / 1000.0)


def main():
    out, root = sys.argv[1], sys.argv[2]
    micro = json.load(open(os.path.join(out, "micro.json")))
    pipe = kv(os.path.join(out, "pipeline.txt"))
    cg = kv(os.path.join(out, "pipeline_callgrind.txt"))
    # The commit the binaries were built from (bench/run.sh writes it right
    # after the build); HEAD now may be newer when others commit during a run.
    build_info = os.path.join(out, "build_commit.txt")
    if os.path.exists(build_info):
        commit = open(build_info).read().strip()
    else:
        commit = sh(["git", "rev-parse", "--short", "HEAD"], cwd=root)
        if sh(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root) not in ("", "?"):
            commit += " (work tree has uncommitted changes)"
        commit += " (HEAD at report time)"
    print("# kwsd benchmarks\n")
    print("Date %s; machine: %s (%s logical CPUs, Linux %s); kwsd commit %s; kernels %s; "
          "release preset (RelWithDebInfo, -O2).\n" % (
              datetime.date.today().isoformat(), machine(), os.cpu_count(), os.uname().release,
              commit, pipe.get("kernels", "?")))

    # Whole pipeline.
    audio_cg = float(cg["audio_seconds"])
    total_ir = callgrind_total(os.path.join(out, "callgrind.out"))
    incl = os.path.join(out, "callgrind_inclusive.txt")
    ir_frontend = inclusive(incl, r"kws::Frontend::compute\(")
    ir_model = inclusive(incl, r"kws::nn::Interpreter::invoke\(\)")
    steps_per_s = int(cg["classifier_steps"]) / audio_cg
    macs_per_inference = sum(b.get("MACs", 0) for b in micro["benchmarks"]
                             if b["name"].startswith("BM_Kernel/ref/"))
    print("## Whole stage-1 pipeline (models/kwsd_default.tflite, LibriSpeech speech)\n")
    print("| measure | value |")
    print("|---|---|")
    print("| audio | %s s (%s files, looped) |" % (pipe["audio_seconds"], pipe["audio_files"]))
    print("| real-time factor (CPU in push / audio) | %s (%s x real time) |" % (
        pipe["real_time_factor"], pipe["speed_x_real_time"]))
    print("| CPU seconds per hour of audio | %s |" % pipe["cpu_seconds_per_audio_hour"])
    print("| peak RSS of the benchmark process | %.1f MiB |" % (int(pipe["peak_rss_kib"]) / 1024))
    print("| heap allocations inside push() after init | %s |" % pipe["allocations_in_push"])
    print("| instructions per second of audio (callgrind, %.0f s) | %.2f M |" % (
        audio_cg, total_ir / audio_cg / 1e6))
    print("| of which front end (Frontend::compute) | %.2f M |" % (ir_frontend / audio_cg / 1e6))
    print("| of which stage-1 model (Interpreter::invoke) | %.2f M |" % (ir_model / audio_cg / 1e6))
    print("| classifier steps per second of audio | %.1f |" % steps_per_s)
    full = int(cg.get("model_macs_full_window", macs_per_inference))
    print("| model MACs per full-window inference (conv/depthwise/fc) | %d |" % full)
    print("| full-window MACs per second of audio (x steps/s) | %.2f M |" % (
        full * steps_per_s / 1e6))
    if "model_macs_streamed_step" in cg:
        streamed = int(cg["model_macs_streamed_step"])
        print("| streamed step: ops that compute only new rows | %s |" % cg["model_streamed_ops"])
        print("| model MACs per streamed step (the work the model needs) | %d |" % streamed)
        print("| streamed MACs per second of audio (the limit) | %.2f M |" % (
            streamed * steps_per_s / 1e6))
        print("| model instructions per streamed MAC | %.2f |" % (
            ir_model / audio_cg / (streamed * steps_per_s)))
    print()

    # Micro-benchmarks.
    print("## Micro-benchmarks (Google Benchmark, CPU time per call)\n")
    print("| benchmark | time (us) | notes |")
    print("|---|---|---|")
    for b in micro["benchmarks"]:
        if b.get("run_type") == "aggregate":
            continue
        note = b.get("label", "")
        if "MAC/s" in b:
            note = "%d MACs, %.2f GMAC/s" % (b["MACs"], b["MAC/s"] / 1e9)
        unit = {"ns": 1.0, "us": 1e3, "ms": 1e6}[b.get("time_unit", "ns")]
        print("| %s | %s | %s |" % (b["name"], us(b["cpu_time"] * unit), note))
    print()
    peer = os.path.join(out, "peer.md")
    if os.path.exists(peer):
        print(open(peer).read())


if __name__ == "__main__":
    main()
