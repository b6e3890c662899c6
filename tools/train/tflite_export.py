"""Writes a quantized layer list as a .tflite flatbuffer (schema version 3).

Written with python3-flatbuffers' Builder from the published TFLite schema's
field order; one subgraph, int8 tensors (or float32: export_float_mlp, the backbone heads), buffer 0 empty, and a metadata entry
"kwsd" whose buffer holds the model's key=value text (pipeline/model_info.h).
"""

import flatbuffers
import numpy as np

from model import out_hw

# TensorType
FLOAT32, INT8, INT32 = 0, 9, 2
# BuiltinOperator
OP = {"avgpool": 1, "conv": 3, "dwconv": 4, "fc": 9, "logistic": 14, "reshape": 22, "softmax": 25}
# BuiltinOptions union indices
OPT = {"conv": 1, "dwconv": 2, "avgpool": 5, "fc": 8, "softmax": 9, "reshape": 17}
SAME, VALID = 0, 1
RELU, NONE = 1, 0


class _Writer:
    def __init__(self):
        self.b = flatbuffers.Builder(4096)
        self.buffers = [b""]  # buffer 0: the empty buffer
        self.tensors = []     # dicts: shape, type, buffer, name, quant

    def buffer(self, data):
        self.buffers.append(bytes(data))
        return len(self.buffers) - 1

    def tensor(self, name, shape, ttype, scale=None, zp=None, qdim=0, data=None):
        buf = self.buffer(data) if data is not None else 0
        self.tensors.append({"name": name, "shape": list(shape), "type": ttype, "buffer": buf,
                             "scale": scale, "zp": zp, "qdim": qdim})
        return len(self.tensors) - 1

    # -- flatbuffer helpers
    def ivec(self, vals, kind="int32"):
        b = self.b
        size = {"int32": 4, "int64": 8, "float32": 4, "uint8": 1, "uoffset": 4}[kind]
        b.StartVector(size, len(vals), size if kind != "uint8" else 16)
        for v in reversed(list(vals)):
            if kind == "int32":
                b.PrependInt32(int(v))
            elif kind == "int64":
                b.PrependInt64(int(v))
            elif kind == "float32":
                b.PrependFloat32(float(v))
            elif kind == "uint8":
                b.PrependUint8(int(v))
            else:
                b.PrependUOffsetTRelative(v)
        return b.EndVector()

    def table(self, fields):
        """fields: [(slot, kind, value)] with kind in int8/uint8/int32/uint32/float32/bool/offset."""
        b = self.b
        b.StartObject(max(s for s, _, _ in fields) + 1 if fields else 0)
        for slot, kind, v in fields:
            if kind == "offset":
                b.PrependUOffsetTRelativeSlot(slot, v, 0)
            elif kind == "int8":
                b.PrependInt8Slot(slot, v, -1 if v == 0 else 0)  # force write
            elif kind == "uint8":
                b.PrependUint8Slot(slot, v, 255 if v == 0 else 0)
            elif kind == "int32":
                b.PrependInt32Slot(slot, v, -1 if v == 0 else 0)
            elif kind == "uint32":
                b.PrependUint32Slot(slot, v, 1 if v == 0 else 0)
            elif kind == "float32":
                b.PrependFloat32Slot(slot, v, 0.0 if v != 0.0 else 1.0)
            elif kind == "bool":
                b.PrependBoolSlot(slot, v, not v)
        return b.EndObject()


def _options(w, q):
    op = q["op"]
    if op == "conv":
        sh, sw = q["stride"]
        pad = VALID if q.get("padding") == "VALID" else SAME
        dh, dw = q.get("dilation", (1, 1))
        return w.table([(0, "int8", pad), (1, "int32", sw), (2, "int32", sh),
                        (3, "int8", RELU if q["relu"] else NONE), (4, "int32", dw), (5, "int32", dh)])
    if op == "dwconv":
        sh, sw = q["stride"]
        pad = VALID if q.get("padding") == "VALID" else SAME
        dh, dw = q.get("dilation", (1, 1))
        return w.table([(0, "int8", pad), (1, "int32", sw), (2, "int32", sh), (3, "int32", 1),
                        (4, "int8", RELU if q["relu"] else NONE), (5, "int32", dw), (6, "int32", dh)])
    if op == "avgpool":
        fh, fw = q["size"]
        return w.table([(0, "int8", 1), (1, "int32", 1), (2, "int32", 1), (3, "int32", fw),
                        (4, "int32", fh), (5, "int8", NONE)])  # VALID, global
    if op == "fc":
        return w.table([(0, "int8", RELU if q.get("relu") else NONE), (1, "int8", 0), (2, "bool", False)])
    if op == "softmax":
        return w.table([(0, "float32", 1.0)])
    if op == "reshape":
        vec = w.ivec(q["new_shape"])
        return w.table([(0, "offset", vec)])
    raise ValueError(op)


def export(q_layers, frames, bins, metadata_text, path, description="kwsd model"):
    w = _Writer()
    q0 = q_layers[0]
    cur = w.tensor("input", [1, frames, bins, 1], INT8, [q0["in_scale"]], [q0["in_zp"]])
    graph_in = cur
    ops = []  # (op name, inputs, outputs, q)
    shape = [1, frames, bins, 1]
    for i, q in enumerate(q_layers):
        op = q["op"]
        name = f"{i:02d}_{op}"
        if op in ("conv", "dwconv"):
            wq = q["w"]
            qdim = 0 if op == "conv" else 3
            wt = w.tensor(name + "/weights", wq.shape, INT8, list(q["w_scale"]), [0] * len(q["w_scale"]),
                          qdim, wq.astype(np.int8).tobytes())
            bs = [q["in_scale"] * float(s) for s in q["w_scale"]]
            bt = w.tensor(name + "/bias", [len(bs)], INT32, bs, [0] * len(bs), 0,
                          q["bias"].astype("<i4").tobytes())
            sh, sw = q["stride"]
            ho, wo = out_hw(shape[1], shape[2], wq.shape[1], wq.shape[2], sh, sw, q.get("padding", "SAME"),
                            q.get("dilation", (1, 1)))
            shape = [1, ho, wo, wq.shape[0] if op == "conv" else wq.shape[3]]
            out = w.tensor(name, shape, INT8, [q["out_scale"]], [q["out_zp"]])
            ops.append((op, [cur, wt, bt], [out], q))
        elif op == "avgpool":
            q = dict(q, size=(shape[1], shape[2]))
            shape = [1, 1, 1, shape[3]]
            out = w.tensor(name, shape, INT8, [q["out_scale"]], [q["out_zp"]])
            ops.append((op, [cur], [out], q))
        elif op == "reshape":
            shape = [1, shape[3]]
            st = w.tensor(name + "/shape", [2], INT32, data=np.array(shape, "<i4").tobytes())
            out = w.tensor(name, shape, INT8, [q["out_scale"]], [q["out_zp"]])
            ops.append((op, [cur, st], [out], dict(q, new_shape=shape)))
        elif op == "fc":
            wq = q["w"]
            wt = w.tensor(name + "/weights", wq.shape, INT8, [float(q["w_scale"][0])], [0], 0,
                          wq.astype(np.int8).tobytes())
            bt = w.tensor(name + "/bias", [wq.shape[0]], INT32, [q["in_scale"] * float(q["w_scale"][0])], [0], 0,
                          q["bias"].astype("<i4").tobytes())
            shape = [1, wq.shape[0]]
            out = w.tensor(name, shape, INT8, [q["out_scale"]], [q["out_zp"]])
            ops.append((op, [cur, wt, bt], [out], q))
        elif op == "softmax":
            out = w.tensor("output", shape, INT8, [1.0 / 256.0], [-128])
            ops.append((op, [cur], [out], q))
        cur = out
    return _finish(w, ops, graph_in, cur, metadata_text, description, path)


def _finish(w, ops, graph_in, graph_out, metadata_text, description, path):
    """Serialises operators, tensors, buffers and the kwsd metadata; writes path; returns its size."""
    meta_buf = w.buffer(metadata_text.encode("utf-8"))

    b = w.b
    codes = sorted({OP[o[0]] for o in ops})
    code_index = {c: i for i, c in enumerate(codes)}
    # Operators
    op_offs = []
    for op, ins, outs, q in ops:
        opts = _options(w, q) if op in OPT else None
        iv = w.ivec(ins)
        ov = w.ivec(outs)
        fields = [(0, "uint32", code_index[OP[op]]), (1, "offset", iv), (2, "offset", ov)]
        if opts is not None:
            fields += [(3, "uint8", OPT[op]), (4, "offset", opts)]
        op_offs.append(w.table(fields))
    # Tensors
    t_offs = []
    for t in w.tensors:
        nm = b.CreateString(t["name"])
        sv = w.ivec(t["shape"])
        qoff = None
        if t["scale"] is not None:
            sc = w.ivec(t["scale"], "float32")
            zp = w.ivec(t["zp"], "int64")
            qoff = w.table([(2, "offset", sc), (3, "offset", zp), (6, "int32", t["qdim"])])
        fields = [(0, "offset", sv), (1, "int8", t["type"]), (2, "uint32", t["buffer"]), (3, "offset", nm)]
        if qoff is not None:
            fields.append((4, "offset", qoff))
        t_offs.append(w.table(fields))
    tv = w.ivec(t_offs, "uoffset")
    ov_ops = w.ivec(op_offs, "uoffset")
    gin = w.ivec([graph_in])
    gout = w.ivec([graph_out])
    gname = b.CreateString("main")
    sg = w.table([(0, "offset", tv), (1, "offset", gin), (2, "offset", gout), (3, "offset", ov_ops),
                  (4, "offset", gname)])
    sgv = w.ivec([sg], "uoffset")
    # Operator codes: deprecated_builtin_code (byte) and builtin_code (int32).
    oc = [w.table([(0, "int8", min(c, 127)), (2, "int32", 1), (3, "int32", c)]) for c in codes]
    ocv = w.ivec(oc, "uoffset")
    # Buffers
    bo = []
    for data in w.buffers:
        if data:
            dv = w.ivec(np.frombuffer(data, np.uint8), "uint8")
            bo.append(w.table([(0, "offset", dv)]))
        else:
            b.StartObject(3)
            bo.append(b.EndObject())
    bv = w.ivec(bo, "uoffset")
    mname = b.CreateString("kwsd")
    md = w.table([(0, "offset", mname), (1, "uint32", meta_buf)])
    mdv = w.ivec([md], "uoffset")
    desc = b.CreateString(description)
    model = w.table([(0, "uint32", 3), (1, "offset", ocv), (2, "offset", sgv), (3, "offset", desc),
                     (4, "offset", bv), (6, "offset", mdv)])
    b.Finish(model, file_identifier=b"TFL3")
    data = bytes(b.Output())
    with open(path, "wb") as f:
        f.write(data)
    return len(data)



def export_float_mlp(layers, in_shape, metadata_text, path, description="kwsd float head"):
    """A float32 multilayer perceptron: input in_shape (e.g. [1, 16, 96]) -> RESHAPE to [1, prod] ->
    FULLY_CONNECTED per layer (weights [out, in], fused ReLU where layer["relu"]) -> LOGISTIC.
    layers: [{"w": float32 [out, in], "b": float32 [out], "relu": bool}]."""
    w = _Writer()
    cur = w.tensor("input", list(in_shape), FLOAT32)
    graph_in = cur
    flat = int(np.prod(in_shape[1:]))
    st = w.tensor("flatten/shape", [2], INT32, data=np.array([1, flat], "<i4").tobytes())
    out = w.tensor("flatten", [1, flat], FLOAT32)
    ops = [("reshape", [cur, st], [out], {"op": "reshape", "new_shape": [1, flat]})]
    cur = out
    for i, layer in enumerate(layers):
        wt_ = np.asarray(layer["w"], "<f4")
        bias = np.asarray(layer["b"], "<f4")
        if wt_.ndim != 2 or wt_.shape[1] != w.tensors[cur]["shape"][1] or bias.shape != (wt_.shape[0],):
            raise ValueError(f"layer {i}: weights {wt_.shape} / bias {bias.shape} do not fit input "
                             f"{w.tensors[cur]['shape']}")
        name = f"{i:02d}_fc"
        wt = w.tensor(name + "/weights", wt_.shape, FLOAT32, data=wt_.tobytes())
        bt = w.tensor(name + "/bias", bias.shape, FLOAT32, data=bias.tobytes())
        out = w.tensor(name, [1, wt_.shape[0]], FLOAT32)
        ops.append(("fc", [cur, wt, bt], [out], {"op": "fc", "relu": bool(layer.get("relu"))}))
        cur = out
    out = w.tensor("output", w.tensors[cur]["shape"], FLOAT32)
    ops.append(("logistic", [cur], [out], {"op": "logistic"}))
    return _finish(w, ops, graph_in, out, metadata_text, description, path)


def read_metadata(path, name="kwsd"):
    """The text of metadata entry `name` of a .tflite file (our own reader)."""
    from flatbuffers import table as fbt

    with open(path, "rb") as f:
        buf = bytearray(f.read())
    model = fbt.Table(buf, flatbuffers.encode.Get(flatbuffers.packer.uoffset, buf, 0))

    def vec(t, slot):
        o = t.Offset(4 + 2 * slot)
        return (t.Vector(o), t.VectorLen(o)) if o else (0, 0)

    def sub(t, base, i):
        x = base + i * 4
        return fbt.Table(buf, x + flatbuffers.encode.Get(flatbuffers.packer.uoffset, buf, x))

    md_base, md_n = vec(model, 6)
    bufs_base, _ = vec(model, 4)
    for i in range(md_n):
        m = sub(model, md_base, i)
        o = m.Offset(4)
        nm = m.String(o + m.Pos).decode() if o else ""
        if nm == name:
            bi = m.Get(flatbuffers.number_types.Uint32Flags, m.Pos + m.Offset(6))
            bt = sub(model, bufs_base, bi)
            dbase, dn = vec(bt, 0)
            return bytes(buf[dbase:dbase + dn]).decode("utf-8")
    return None
