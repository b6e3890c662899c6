"""Soak test of the live daemon (tools/soak.sh; not CI). See tools/soak.sh."""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PERIOD_BYTES = 640  # 20 ms at 16 kHz mono s16: the daemon's period; writes stay whole periods


def log(msg):
    print(f"soak: {msg}", file=sys.stderr, flush=True)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def write_configs(d, model, sock, port):
    base = (f"model: {{path: {model}}}\n"
            "audio:\n  device: soakfile\n  ring_ms: 60000\n"
            f"events:\n  stdout_json: false\n  socket: {sock}\n")
    wy = f"wyoming:\n  enabled: true\n  listen: 127.0.0.1:{port}\n  max_clients: 4\n  idle_timeout_ms: 2000\n"
    hooks = {
        "fail": "[/bin/sh, -c, 'exit 3']",
        "hang": "[/bin/sh, -c, 'sleep 30']",
        "flood": "[/bin/sh, -c, 'head -c 20000000 /dev/zero']",
    }
    paths = []
    for name, argv in hooks.items():
        p = os.path.join(d, f"good-{name}.yaml")
        with open(p, "w") as f:
            f.write(base + f"  hook:\n    argv: {argv}\n    timeout_ms: 300\n    max_concurrent: 1\n"
                    f"    audio_dir: {d}\n" + wy)
        paths.append(p)
    broken = [
        base + "stage1:\n  keywords:\n    nosuchlabel: {threshold: 0.5}\n" + wy,
        base + "stage1:\n  keywords:\n    computer: {threshold: 7}\n" + wy,
        base + "audio: [not, a, mapping\n",
    ]
    bpaths = []
    for i, text in enumerate(broken):
        p = os.path.join(d, f"broken-{i}.yaml")
        with open(p, "w") as f:
            f.write(text)
        bpaths.append(p)
    return paths, bpaths


class LineClient(threading.Thread):
    """A well-behaved socket client: reads every JSON line."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.lines = 0
        self.keywords = {}

    def run(self):
        buf = b""
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.lines += 1
                kw = json.loads(line).get("keyword", "?")
                self.keywords[kw] = self.keywords.get(kw, 0) + 1


def wyoming_churn(port, stop, stats):
    """Clients that connect, stream a little and vanish without audio-stop."""
    chunk = b"\x00\x01" * 1600
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            fmt = json.dumps({"rate": 16000, "width": 2, "channels": 1}).encode()
            s.sendall(json.dumps({"type": "audio-start", "data_length": len(fmt)}).encode() + b"\n" + fmt)
            for _ in range(5):
                s.sendall(json.dumps({"type": "audio-chunk", "data_length": len(fmt),
                                      "payload_length": len(chunk)}).encode() + b"\n" + fmt + chunk)
            if stats["wyoming"] % 2:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()  # vanish (odd ones with a reset)
            stats["wyoming"] += 1
        except OSError:
            stats["wyoming_errors"] += 1
        stop.wait(0.2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kwsd", required=True)
    ap.add_argument("--audio-seconds", type=float, default=3600)
    ap.add_argument("--speed", type=float, default=8.0, help="feed rate, x real time")
    ap.add_argument("--sighup-s", type=float, default=3.0)
    ap.add_argument("--dir", required=True)
    a = ap.parse_args()
    d = a.dir
    model = os.path.join(REPO, "models", "kwsd_default.tflite")
    sample = os.path.join(REPO, "models", "sample.wav")
    reps = int(a.audio_seconds / 4.58) + 1
    # The audio: the sample clip (2 keywords) repeated; expected events from kwsd replay.
    clip_raw = subprocess.run(["sox", sample, "-t", "raw", "-"], capture_output=True, check=True).stdout
    long_wav = os.path.join(d, "long.wav")
    subprocess.run(["sox", sample, long_wav, "repeat", str(reps - 1)], check=True)
    rep = subprocess.run([a.kwsd, "replay", "--model", model, "--quiet", long_wav],
                         capture_output=True, text=True)
    expected = [json.loads(x) for x in rep.stdout.splitlines() if x.strip()]
    audio_s = reps * len(clip_raw) / 32000.0
    log(f"{audio_s:.0f} s of audio ({reps} x sample.wav), kwsd replay: {len(expected)} events")
    fifo = os.path.join(d, "capture.fifo")
    os.mkfifo(fifo)
    with open(os.path.join(d, "asound.conf"), "w") as f:
        f.write("pcm.soakfile {\n  type file\n  slave.pcm { type null }\n  format raw\n"
                f"  file \"/dev/null\"\n  infile \"{fifo}\"\n}}\n")
    sock = os.path.join(d, "events.sock")
    port = 10700 + os.getpid() % 200
    good, broken = write_configs(d, model, sock, port)
    cfg = os.path.join(d, "kwsd.yaml")
    os.symlink(good[0], cfg + ".tmp")
    os.replace(cfg + ".tmp", cfg)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify_path = os.path.join(d, "notify.sock")
    notify.bind(notify_path)
    env = dict(os.environ, ALSA_CONFIG_PATH=os.path.join(d, "asound.conf"), NOTIFY_SOCKET=notify_path)
    err = open(os.path.join(d, "kwsd.err"), "w")
    proc = subprocess.Popen([a.kwsd, "--config", cfg], env=env, stdout=subprocess.DEVNULL, stderr=err)
    writer = open(fifo, "wb")  # opens once kwsd opened the device
    notify.settimeout(30)
    ready = b""
    while b"READY=1" not in ready:
        ready += notify.recv(4096)
    # Keep reading the notify socket, as systemd does: a full datagram queue
    # (net.unix.max_dgram_qlen, 10 by default) blocks sd_notify in the daemon.
    notify.settimeout(None)
    threading.Thread(target=lambda: [notify.recv(4096) for _ in iter(int, 1)], daemon=True).start()
    good_client = LineClient(sock)
    good_client.start()
    never_reads = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    never_reads.connect(sock)  # connected, never reads: must be dropped, not block anything
    time.sleep(0.5)
    rss0, fds0 = rss_kb(proc.pid), fds(proc.pid)
    log(f"kwsd pid {proc.pid} ready: RSS {rss0} kB, {fds0} fds")
    stop = threading.Event()
    t0 = time.monotonic()
    stats = {"wyoming": 0, "wyoming_errors": 0, "sighup": 0}
    churn = threading.Thread(target=wyoming_churn, args=(port, stop, stats), daemon=True)
    churn.start()

    def sighups():
        i = 0
        while not stop.wait(a.sighup_s):
            target = good[(i // 2) % len(good)] if i % 2 == 0 else broken[(i // 2) % len(broken)]
            os.symlink(target, cfg + ".tmp")
            os.replace(cfg + ".tmp", cfg)
            proc.send_signal(signal.SIGHUP)
            stats["sighup"] += 1
            i += 1

    hup = threading.Thread(target=sighups, daemon=True)
    hup.start()
    rss_trace = []  # (wall s, RSS kB) every 60 s: flat or growing

    def sample():
        while not stop.wait(60):
            rss_trace.append((round(time.monotonic() - t0), rss_kb(proc.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # Feed the audio at `speed` x real time in whole periods (atomic pipe writes).
    block = PERIOD_BYTES * 6
    sent = 0
    data = clip_raw
    pos = 0
    total = reps * len(clip_raw)
    while sent < total:
        n = min(block, total - sent)
        piece = b""
        while len(piece) < n:
            take = min(n - len(piece), len(data) - pos)
            piece += data[pos:pos + take]
            pos = (pos + take) % len(data)
        writer.write(piece)
        writer.flush()
        sent += n
        ahead = sent / 32000.0 / a.speed - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
    # 2 s of silence so the last keyword's window completes, then wait for the events.
    writer.write(b"\x00" * 64000)
    writer.flush()
    deadline = time.monotonic() + 120
    while good_client.lines < len(expected) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)
    stop.set()
    hup.join()
    churn.join()
    time.sleep(1)
    rss1, fds1 = rss_kb(proc.pid), fds(proc.pid)
    alive = proc.poll() is None
    wall = time.monotonic() - t0
    writer.close()  # EOF first: the file plugin's read of the FIFO would block the capture thread
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = "did not stop within 60 s of SIGTERM"
    err.close()
    text = open(os.path.join(d, "kwsd.err")).read()
    summary = [x for x in text.splitlines() if "kwsd: stopped" in x]
    exp_kw = {}
    for e in expected:
        exp_kw[e["keyword"]] = exp_kw.get(e["keyword"], 0) + 1
    res = {
        "audio_s": round(audio_s), "wall_s": round(wall), "speed_x": round(audio_s / wall, 1),
        "events_expected": len(expected), "events_delivered": good_client.lines,
        "expected_by_keyword": exp_kw, "delivered_by_keyword": good_client.keywords,
        "rss_kb_start": rss0, "rss_kb_end": rss1, "rss_kb_every_60_s": [r for _, r in rss_trace], "fds_start": fds0, "fds_end": fds1,
        "restarts": 0 if alive else 1, "exit_code": code,
        "sighups": stats["sighup"], "reloads_rejected": text.count("reload rejected"),
        "wyoming_clients": stats["wyoming"], "wyoming_connect_errors": stats["wyoming_errors"],
        "hooks_timed_out": text.count("timed out and was killed"),
        "hooks_skipped_busy": text.count("still running (max_concurrent)"), "socket_clients_dropped": text.count("dropping socket client"),
        "daemon_summary": summary[-1] if summary else "",
    }
    print(json.dumps(res, indent=1))
    # The client that never reads is dropped once its backlog is too big: one
    # fd fewer at the end for each dropped socket client.
    ok = (res["events_expected"] == res["events_delivered"] and alive and code == 0
          and fds1 + res["socket_clients_dropped"] == fds0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
