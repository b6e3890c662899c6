"""Post-training int8 quantization of a float layer list.

Per-channel symmetric int8 weights for convolutions (per-tensor for the fully
connected layer, which every runtime supports), asymmetric int8 activations
whose ranges come from calibration data, int32 biases with scale
input_scale * weight_scale. Batch norm is already folded (model.to_layers).
"""

import numpy as np

from intsim import quantize_multiplier, run_float


def act_qparams(lo, hi):
    """TFLite-style asymmetric int8 params; the range always contains 0."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if hi - lo < 1e-8:
        hi = lo + 1e-8
    scale = (hi - lo) / 255.0
    zp = int(round(-128 - lo / scale))
    return scale, int(np.clip(zp, -128, 127))


def quantize(layers, calib_x, in_scale, in_zp, pct=99.99):
    """calib_x: float [N, frames, bins] = (q - in_zp) * in_scale of real features."""
    _, outs = run_float(layers, calib_x, record=True)
    q_layers = []
    s_in, z_in = in_scale, in_zp
    for L, out in zip(layers, outs):
        op = L["op"]
        q = {"op": op, "in_scale": s_in, "in_zp": z_in}
        if op in ("conv", "dwconv", "fc"):
            w = L["w"]
            if op == "fc":
                ws = np.full(w.shape[0], max(np.abs(w).max(), 1e-12) / 127.0)
                wq = np.clip(np.round(w / ws[0]), -127, 127).astype(np.int8)
            elif op == "conv":
                ws = np.maximum(np.abs(w).reshape(w.shape[0], -1).max(axis=1), 1e-12) / 127.0
                wq = np.clip(np.round(w / ws[:, None, None, None]), -127, 127).astype(np.int8)
            else:  # depthwise: channel is the last axis
                ws = np.maximum(np.abs(w).reshape(-1, w.shape[3]).max(axis=0), 1e-12) / 127.0
                wq = np.clip(np.round(w / ws[None, None, None, :]), -127, 127).astype(np.int8)
            lo = 0.0 if L.get("relu") else np.percentile(out, 100 - pct)
            hi = np.percentile(out, pct) if L.get("relu") else out.max()
            lo = min(lo, out.min()) if not L.get("relu") else 0.0
            s_out, z_out = act_qparams(lo, hi)
            bias = np.round(L["b"] / (s_in * ws)).astype(np.int64)
            mults = [quantize_multiplier(s_in * float(c) / s_out) for c in ws]
            q.update({"w": wq, "w_scale": ws, "bias": np.clip(bias, -(2**31), 2**31 - 1),
                      "mult": np.array([m for m, _ in mults], np.int64),
                      "shift": np.array([s for _, s in mults], np.int64),
                      "out_scale": s_out, "out_zp": z_out, "relu": bool(L.get("relu")),
                      "stride": L.get("stride", (1, 1)), "padding": L.get("padding", "SAME")})
            if "dilation" in L:  # only when not (1, 1): tc1/tc2 layer dicts unchanged
                q["dilation"] = tuple(L["dilation"])
            if op == "fc":
                q["mult"], q["shift"] = q["mult"][:1], q["shift"][:1]
            s_in, z_in = s_out, z_out
        elif op in ("avgpool", "reshape"):
            q.update({"out_scale": s_in, "out_zp": z_in, "size": L.get("size")})
        elif op == "softmax":
            q.update({"out_scale": 1.0 / 256.0, "out_zp": -128})
            s_in, z_in = q["out_scale"], q["out_zp"]
        q_layers.append(q)
    return q_layers


def weight_bytes(q_layers):
    return int(sum(q["w"].size + 4 * q["bias"].size for q in q_layers if "w" in q))
