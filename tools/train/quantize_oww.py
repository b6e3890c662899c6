"""Post-training int8 quantisation of openWakeWord's embedding_model.tflite, calibrated
on shared speech through kwsd's own runtime (kws-nn-run), and its fidelity vs float.

  quantize_oww.py quantize --model embedding_model.tflite --mel melspectrogram.tflite \
      --speech DIR --out embedding_int8.tflite [--bin build/dev/bin] [--calib 120]
  quantize_oww.py measure --model embedding_model.tflite --int8 embedding_int8.tflite \
      --mel melspectrogram.tflite --speech DIR --reference REFDIR [--bin build/dev/bin]

Windows: 2 s of each speech file (from 1 s in), melspectrogram.tflite through
kws-nn-run (--input-shape 1,32000), x/10+2, 76-frame windows every 40 frames.
Files are sorted; the first --calib ones calibrate, the last --heldout ones measure.
Activation ranges: kws-nn-run --ranges on the float model (the runtime that serves it).
Quantisation (TFLite's int8 scheme): asymmetric int8 activations from min/max,
per-output-channel symmetric int8 weights, int32 bias at in_scale*w_scale. The
LEAKY_RELU outputs are quantised with -0.4 at exactly -128 (scale 0.4/k, zero point
k-128), so MAXIMUM(x, -0.4) is the requantisation clamp and is dropped: exactly
what an int8 MAXIMUM with the constant quantised to -128 computes.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import flatbuffers
from flatbuffers.table import Table
import numpy as np

import tflite_export as te

WIN, HOP_CALIB = 76, 40


# --- float model reader (TFLite schema field order) -------------------------------
def _tab(buf, pos):
    return Table(buf, pos)


def _field(t, slot):
    o = t.Offset(4 + 2 * slot)
    return o


def _vec(t, slot, kind):
    o = _field(t, slot)
    if not o:
        return []
    n = t.VectorLen(o)
    start = t.Vector(o)
    if kind == "table":
        return [_tab(t.Bytes, t.Indirect(start + 4 * i)) for i in range(n)]
    if kind == "int32":
        return list(np.frombuffer(t.Bytes, "<i4", n, start))
    if kind == "float32":
        return list(np.frombuffer(t.Bytes, "<f4", n, start))
    if kind == "uint8":
        return bytes(t.Bytes[start:start + n])
    raise ValueError(kind)


def _scalar(t, slot, fmt, default):
    o = _field(t, slot)
    if not o:
        return default
    return t.Get(fmt, o + t.Pos)


def read_model(path):
    data = bytearray(open(path, "rb").read())
    root = _tab(data, flatbuffers.encode.Get(flatbuffers.packer.uoffset, data, 0))
    codes = []
    for oc in _vec(root, 1, "table"):
        dep = _scalar(oc, 0, flatbuffers.number_types.Int8Flags, 0)
        bc = _scalar(oc, 3, flatbuffers.number_types.Int32Flags, 0)
        codes.append(max(dep, bc))
    buffers = [_vec(b, 0, "uint8") for b in _vec(root, 4, "table")]
    sg = _vec(root, 2, "table")[0]
    tensors = []
    for t in _vec(sg, 0, "table"):
        shape = [int(v) for v in _vec(t, 0, "int32")]
        buf = _scalar(t, 2, flatbuffers.number_types.Uint32Flags, 0)
        raw = buffers[buf] if buf < len(buffers) else b""
        tensors.append({"shape": shape, "data": np.frombuffer(raw, "<f4").reshape(shape) if raw else None})
    ops = []
    for o in _vec(sg, 3, "table"):
        code = codes[_scalar(o, 0, flatbuffers.number_types.Uint32Flags, 0)]
        ins = [int(v) for v in _vec(o, 1, "int32")]
        outs = [int(v) for v in _vec(o, 2, "int32")]
        oo = _field(o, 4)
        opt = _tab(o.Bytes, o.Indirect(oo + o.Pos)) if oo else None
        I8, I32, F32 = (flatbuffers.number_types.Int8Flags, flatbuffers.number_types.Int32Flags,
                        flatbuffers.number_types.Float32Flags)
        d = {"code": code, "in": ins, "out": outs}
        if code == 3:  # CONV_2D
            d.update(padding=_scalar(opt, 0, I8, 0), stride=(_scalar(opt, 2, I32, 1), _scalar(opt, 1, I32, 1)),
                     act=_scalar(opt, 3, I8, 0), dilation=(_scalar(opt, 5, I32, 1), _scalar(opt, 4, I32, 1)))
        elif code == 17:  # MAX_POOL_2D
            d.update(padding=_scalar(opt, 0, I8, 0), stride=(_scalar(opt, 2, I32, 1), _scalar(opt, 1, I32, 1)),
                     size=(_scalar(opt, 4, I32, 1), _scalar(opt, 3, I32, 1)), act=_scalar(opt, 5, I8, 0))
        elif code == 98:  # LEAKY_RELU
            d.update(alpha=_scalar(opt, 0, F32, 0.0) if opt else 0.0)
        ops.append(d)
    sg_in = [int(v) for v in _vec(sg, 1, "int32")]
    sg_out = [int(v) for v in _vec(sg, 2, "int32")]
    return tensors, ops, sg_in, sg_out


# --- runtime calls ----------------------------------------------------------------
def nn_run(bin_dir, model, x, extra=()):
    with tempfile.TemporaryDirectory() as td:
        inp, out = os.path.join(td, "in.f32"), os.path.join(td, "out.f32")
        np.ascontiguousarray(x, "<f4").tofile(inp)
        subprocess.run([os.path.join(bin_dir, "kws-nn-run"), model, inp, out, *extra], check=True,
                       stdout=subprocess.DEVNULL)
        return np.fromfile(out, "<f4")


def decode(path):
    raw = subprocess.run(["sox", path, "-t", "raw", "-r", "16000", "-c", "1", "-b", "16", "-e", "signed", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, "<i2").astype(np.float32)


def mel(bin_dir, mel_model, audio_chunks, n):
    """audio_chunks: [k, n] int16-valued floats -> [k, frames, 32] (x/10+2)."""
    y = nn_run(bin_dir, mel_model, audio_chunks, ["--input-shape", f"1,{n}"])
    return y.reshape(len(audio_chunks), -1, 32) / 10.0 + 2.0


def windows_of(m, hop):
    return np.stack([m[s:s + WIN] for s in range(0, m.shape[0] - WIN + 1, hop)])


def speech_windows(args, files):
    n = 32000
    chunks = []
    for f in files:
        a = decode(f)
        if len(a) >= 16000 + n:
            chunks.append(a[16000:16000 + n])
    mels = mel(args.bin, args.mel, np.stack(chunks), n)
    return np.concatenate([windows_of(m, HOP_CALIB) for m in mels])


def speech_files(d):
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith((".flac", ".wav")))


# --- quantisation -----------------------------------------------------------------
def act_quant(lo, hi):
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    scale = (hi - lo) / 255.0 or 1.0
    zp = int(np.clip(-128 - round(lo / scale), -128, 127))
    return scale, zp


def clamp_quant(floor, hi):
    """-floor (< 0) exactly at -128: scale floor/k, zero point k-128."""
    k = max(1, min(254, int(round(-floor * 255.0 / (hi - floor)))))
    return -floor / k, k - 128


def quantize(args):
    tensors, ops, sg_in, sg_out = read_model(args.model)
    files = speech_files(args.speech)[:args.calib]
    wins = speech_windows(args, files)
    print(f"calibration: {len(files)} files, {len(wins)} windows", file=sys.stderr)
    with tempfile.TemporaryDirectory() as td:
        rp = os.path.join(td, "ranges.txt")
        nn_run(args.bin, args.model, wins, ["--ranges", rp])
        ranges = {int(a): (float(b), float(c)) for a, b, c in (l.split() for l in open(rp))}
    q = {sg_in[0]: act_quant(wins.min(), wins.max())}
    w = te._Writer()
    tid = {sg_in[0]: w.tensor("input", tensors[sg_in[0]]["shape"], te.INT8, [q[sg_in[0]][0]], [q[sg_in[0]][1]])}
    alias = {}
    plan = []
    for i, o in enumerate(ops):
        src = alias.get(o["in"][0], o["in"][0])
        out = o["out"][0]
        shape = tensors[out]["shape"]
        if o["code"] == 55:  # MAXIMUM with the constant: folded into the LEAKY_RELU clamp
            c = tensors[o["in"][1]]["data"]
            s, zp = q[src]
            if c is None or c.size != 1 or abs(float(c.ravel()[0]) - (-128 - zp) * s) > 1e-6:
                raise SystemExit(f"MAXIMUM at {i}: constant is not the input's -128")
            alias[out] = src
            continue
        if o["code"] == 34:  # PAD: int8 pads with the zero point, same quantisation
            q[out] = q[src]
            pads = tensors[o["in"][1]]["data"]
            pt = w.tensor(f"{i:02d}/paddings", list(tensors[o["in"][1]]["shape"]), te.INT32,
                          data=np.asarray(pads).view("<i4").astype("<i4").tobytes())
            tid[out] = w.tensor(f"{i:02d}_pad", shape, te.INT8, [q[out][0]], [q[out][1]])
            plan.append(("pad", [tid[src], pt], [tid[out]], {"op": "pad"}))
        elif o["code"] == 3:
            wf = tensors[o["in"][1]]["data"].astype(np.float64)
            bf = tensors[o["in"][2]]["data"].astype(np.float64)
            ws = np.maximum(np.abs(wf).reshape(wf.shape[0], -1).max(axis=1), 1e-12) / 127.0
            wq = np.clip(np.round(wf / ws[:, None, None, None]), -127, 127).astype(np.int8)
            in_s = q[src][0]
            bq = np.round(bf / (in_s * ws)).astype("<i4")
            q[out] = act_quant(*ranges[out])
            wt = w.tensor(f"{i:02d}/weights", wq.shape, te.INT8, list(ws), [0] * len(ws), 0, wq.tobytes())
            bt = w.tensor(f"{i:02d}/bias", [len(ws)], te.INT32, list(in_s * ws), [0] * len(ws), 0, bq.tobytes())
            name = "output" if out == sg_out[0] else f"{i:02d}_conv"
            tid[out] = w.tensor(name, shape, te.INT8, [q[out][0]], [q[out][1]])
            plan.append(("conv", [tid[src], wt, bt], [tid[out]],
                         {"op": "conv", "stride": o["stride"], "dilation": o["dilation"],
                          "padding": "VALID" if o["padding"] == 1 else "SAME", "relu": False}))
        elif o["code"] == 98:
            nxt = ops[i + 1] if i + 1 < len(ops) else None
            lo, hi = ranges[out]
            if nxt is not None and nxt["code"] == 55:
                floor = float(tensors[nxt["in"][1]]["data"].ravel()[0])
                q[out] = clamp_quant(floor, ranges[nxt["out"][0]][1])
            else:
                q[out] = act_quant(lo, hi)
            tid[out] = w.tensor(f"{i:02d}_leaky", shape, te.INT8, [q[out][0]], [q[out][1]])
            plan.append(("leaky", [tid[src]], [tid[out]], {"op": "leaky", "alpha": o["alpha"]}))
        elif o["code"] == 17:
            q[out] = q[src]
            tid[out] = w.tensor(f"{i:02d}_maxpool", shape, te.INT8, [q[out][0]], [q[out][1]])
            plan.append(("maxpool", [tid[src]], [tid[out]],
                         {"op": "maxpool", "stride": o["stride"], "size": o["size"], "padding": o["padding"]}))
        else:
            raise SystemExit(f"op {i}: builtin {o['code']} not handled")
    base_options = te._options

    def options(wr, qq):
        if qq["op"] == "maxpool":
            (sh, sw), (fh, fw) = qq["stride"], qq["size"]
            return wr.table([(0, "int8", qq["padding"]), (1, "int32", sw), (2, "int32", sh), (3, "int32", fw),
                             (4, "int32", fh), (5, "int8", te.NONE)])
        if qq["op"] == "leaky":
            return wr.table([(0, "float32", float(qq["alpha"]))])
        return base_options(wr, qq)

    te.OP.update(maxpool=17, pad=34, leaky=98)
    te.OPT.update(maxpool=5, leaky=75)
    te._options = options
    out_id = tid[alias.get(sg_out[0], sg_out[0])]
    size = te._finish(w, plan, tid[sg_in[0]], out_id, "kind=oww_embedding_int8\n",
                      "openWakeWord embedding, int8 by kwsd quantize_oww.py", args.out)
    print(f"wrote {args.out} ({size} bytes, {len(plan)} ops)", file=sys.stderr)


# --- measurement ------------------------------------------------------------------
def cos_rows(a, b):
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    return (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-30)


def measure(args):
    ref = args.reference
    out = {}
    files = speech_files(args.speech)[-args.heldout:]
    sets = {"heldout speech": speech_windows(args, files)}
    for clip in ("alexa_0", "jarvis_first", "librispeech_10s"):
        m = np.load(os.path.join(ref, clip + ".mel.npy")).astype(np.float32)
        m = m.reshape(-1, 32) / 10.0 + 2.0
        sets[clip] = windows_of(m, 8)
    for name, wins in sets.items():
        f = nn_run(args.bin, args.model, wins).reshape(len(wins), -1)
        q8 = nn_run(args.bin, args.int8, wins).reshape(len(wins), -1)
        c = cos_rows(f, q8)
        out[name] = (f, q8)
        print(f"{name}: {len(wins)} windows, cosine min {c.min():.4f} mean {c.mean():.4f} "
              f"p5 {np.percentile(c, 5):.4f}")
    if args.heads:
        for head in args.heads.split(","):
            for name in ("alexa_0", "jarvis_first", "librispeech_10s", "heldout speech"):
                f, q8 = out[name]
                if len(f) < 16:
                    continue
                hf = nn_run(args.bin, head, np.stack([f[s:s + 16] for s in range(len(f) - 15)]))
                hq = nn_run(args.bin, head, np.stack([q8[s:s + 16] for s in range(len(q8) - 15)]))
                same = np.mean((hf >= 0.5) == (hq >= 0.5))
                print(f"head {os.path.basename(head)} on {name}: {len(hf)} steps, decisions equal "
                      f"{100 * same:.1f} %, float>=0.5 {int((hf >= 0.5).sum())}, int8>=0.5 "
                      f"{int((hq >= 0.5).sum())}, max |score diff| {np.abs(hf - hq).max():.4f}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["quantize", "measure"])
    p.add_argument("--model", required=True)
    p.add_argument("--mel", required=True)
    p.add_argument("--speech", required=True)
    p.add_argument("--out")
    p.add_argument("--int8")
    p.add_argument("--reference")
    p.add_argument("--heads", default="")
    p.add_argument("--bin", default="build/dev/bin")
    p.add_argument("--calib", type=int, default=120)
    p.add_argument("--heldout", type=int, default=60)
    a = p.parse_args()
    quantize(a) if a.cmd == "quantize" else measure(a)


if __name__ == "__main__":
    main()
