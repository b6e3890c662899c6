"""Wyoming client for the bad-input matrix: sends each file's bytes as the
audio of one stream (format from the file's WAV header when Python's wave
module reads it, else 16 kHz / 16-bit / mono), then audio-stop, and prints
"<file>\t<outcome>" where the outcome is the server's answer (not-detected,
detection, error: <text>) or "closed" / "timeout". Afterwards a fresh client
must still get an answer to describe: the server survived every stream.
    python3 wyoming_bytes_client.py PORT FILE...
"""
import json
import os
import socket
import sys
import wave


def send(sock, etype, data=None, payload=b""):
    header = {"type": etype}
    body = b""
    if data is not None:
        body = json.dumps(data).encode()
        header["data_length"] = len(body)
    if payload:
        header["payload_length"] = len(payload)
    sock.sendall(json.dumps(header).encode() + b"\n" + body + payload)


def events(sock):
    buf = b""
    while True:
        while b"\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                return
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        header = json.loads(line)
        need = header.get("data_length", 0) + header.get("payload_length", 0)
        while len(buf) < need:
            chunk = sock.recv(65536)
            if not chunk:
                return
            buf += chunk
        data = header.get("data") or {}
        if header.get("data_length"):
            data = json.loads(buf[: header["data_length"]])
        buf = buf[need:]
        yield header["type"], data


def stream(port, path):
    try:
        with wave.open(path, "rb") as w:
            fmt = {"rate": w.getframerate(), "width": w.getsampwidth(), "channels": w.getnchannels()}
    except Exception:
        fmt = {"rate": 16000, "width": 2, "channels": 1}
    with open(path, "rb") as f:
        data = f.read()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        send(sock, "audio-start", fmt)
        for i in range(0, len(data), 4001):  # odd-sized chunks: samples split across chunks
            send(sock, "audio-chunk", fmt, data[i:i + 4001])
        send(sock, "audio-stop")
        for etype, d in events(sock):
            if etype in ("not-detected", "detection"):
                return etype
            if etype == "error":
                return "error: " + str(d.get("text", ""))
        return "closed"
    except socket.timeout:
        return "timeout"
    except OSError as e:  # the server may close while we still send
        return "closed (" + e.strerror + ")"
    finally:
        sock.close()


def main():
    port = int(sys.argv[1])
    for path in sys.argv[2:]:
        if not os.path.isfile(path):
            print(f"{os.path.basename(path)}\tn/a (no bytes to send)")
            continue
        print(f"{os.path.basename(path)}\t{stream(port, path)}", flush=True)
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    send(sock, "describe")
    alive = any(t == "info" for t, _ in events(sock))
    print("server-alive\t" + ("yes" if alive else "NO"))
    sock.close()
    return 0 if alive else 1


if __name__ == "__main__":
    sys.exit(main())
