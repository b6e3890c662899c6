"""Float and int8 execution of a layer list (see model.to_layers / quantize).

The int8 path follows TFLite's reference kernels: per-channel requantization
with a Q31 multiplier and shift (SaturatingRoundingDoublingHighMul, then
RoundingDivideByPOT), padding that contributes zero after the input offset,
average pooling with rounding to nearest, and the fixed-point softmax (Q5.26
scaled differences, gemmlowp exp and reciprocal). Integer products are summed
in float64, which is exact for these sizes, so large batches stay fast.
"""

import numpy as np

from model import _same_pad

I32_MIN, I32_MAX = -(2**31), 2**31 - 1


# --- fixed-point helpers (int64 numpy arrays holding int32 values) ----------

def srdhm(a, b):
    """SaturatingRoundingDoublingHighMul for int32 a, b."""
    a = np.asarray(a, np.int64)
    b = np.asarray(b, np.int64)
    ab = a * b
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    s = ab + nudge
    res = np.where(s >= 0, s >> 31, -((-s) >> 31))  # C++ division truncates
    return np.where((a == I32_MIN) & (b == I32_MIN), I32_MAX, res)


def rdbpot(x, exponent):
    """RoundingDivideByPOT."""
    x = np.asarray(x, np.int64)
    exponent = np.asarray(exponent, np.int64)
    mask = (np.int64(1) << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> exponent) + (remainder > threshold)


def sat_shift_left(x, e):
    return np.clip(np.asarray(x, np.int64) << e, I32_MIN, I32_MAX)


def mul_by_quantized_multiplier(x, qm, shift):
    shift = np.asarray(shift, np.int64)
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    return rdbpot(srdhm(np.asarray(x, np.int64) * (np.int64(1) << left), qm), right)


def quantize_multiplier(m):
    """TFLite QuantizeMultiplier: m = q * 2^shift, q in Q31."""
    if m == 0.0:
        return 0, 0
    q, shift = np.frexp(m)
    qf = int(round(q * (1 << 31)))
    if qf == (1 << 31):
        qf //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return qf, int(shift)


# --- shapes ----------------------------------------------------------------

def _pad_input(x, kh, kw, sh, sw, value, padding="SAME", dilation=(1, 1)):
    """Pads x for a kh x kw kernel (dilation: TFLite's effective size d*(k-1)+1)."""
    _, h, w, _ = x.shape
    ekh, ekw = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    if padding == "VALID":
        return x, (h - ekh) // sh + 1, (w - ekw) // sw + 1
    pt, pb, ho = _same_pad(h, ekh, sh)
    pl, pr, wo = _same_pad(w, ekw, sw)
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=value)
    return xp, ho, wo


def _taps(xp, a, b, ho, wo, stride, dilation):
    """The input rows/columns kernel tap (a, b) sees for every output position."""
    sh, sw = stride
    r, c = a * dilation[0], b * dilation[1]
    return xp[:, r:r + sh * (ho - 1) + 1:sh, c:c + sw * (wo - 1) + 1:sw, :]


def _conv_acc(x, w, stride, padding="SAME", dilation=(1, 1)):
    """x: [N,H,W,I] float64 (offset already removed); w: [O,kh,kw,I]."""
    o, kh, kw, i = w.shape
    sh, sw = stride
    xp, ho, wo = _pad_input(x, kh, kw, sh, sw, 0.0, padding, dilation)
    n = x.shape[0]
    cols = np.empty((n, ho, wo, kh, kw, i), np.float64)
    for a in range(kh):
        for b in range(kw):
            cols[:, :, :, a, b, :] = _taps(xp, a, b, ho, wo, stride, dilation)
    return cols.reshape(n * ho * wo, kh * kw * i) @ w.reshape(o, -1).T.astype(np.float64), (n, ho, wo, o)


def _dw_acc(x, w, stride, padding="SAME", dilation=(1, 1)):
    _, kh, kw, c = w.shape
    sh, sw = stride
    xp, ho, wo = _pad_input(x, kh, kw, sh, sw, 0.0, padding, dilation)
    acc = np.zeros((x.shape[0], ho, wo, c), np.float64)
    for a in range(kh):
        for b in range(kw):
            acc += _taps(xp, a, b, ho, wo, stride, dilation) * w[0, a, b, :]
    return acc


# --- float -----------------------------------------------------------------

def run_float(layers, x, record=False):
    """x: [N, frames, bins] float. Returns probabilities (and per-layer outputs)."""
    h = x[..., None].astype(np.float64)
    outs = []
    for L in layers:
        if L["op"] == "conv":
            acc, shp = _conv_acc(h, L["w"], L["stride"], L.get("padding", "SAME"), L.get("dilation", (1, 1)))
            h = (acc + L["b"]).reshape(shp)
        elif L["op"] == "dwconv":
            h = _dw_acc(h, L["w"], L["stride"], L.get("padding", "SAME"), L.get("dilation", (1, 1))) + L["b"]
        elif L["op"] == "avgpool":
            h = h.mean(axis=(1, 2), keepdims=True)
        elif L["op"] == "reshape":
            h = h.reshape(h.shape[0], -1)
        elif L["op"] == "fc":
            h = h @ L["w"].T + L["b"]
        elif L["op"] == "softmax":
            e = np.exp(h - h.max(axis=1, keepdims=True))
            h = e / e.sum(axis=1, keepdims=True)
        if L.get("relu"):
            h = np.maximum(h, 0.0)
        outs.append(h)
    return (h, outs) if record else h


# --- int8 ------------------------------------------------------------------

def _requant(acc, q):
    acc = np.round(acc).astype(np.int64)  # exact integers held in float64
    acc = acc + q["bias"]
    y = mul_by_quantized_multiplier(acc, q["mult"], q["shift"]) + q["out_zp"]
    lo = q["out_zp"] if q.get("relu") else -128
    return np.clip(y, max(lo, -128), 127)


def softmax_int8(x, in_scale, beta=1.0):
    """TFLite reference int8 softmax; x int [N, C]; output zp -128, scale 1/256."""
    sd_bits, acc_bits = 5, 12
    real = min(beta * in_scale * (1 << (31 - sd_bits)), (1 << 31) - 1.0)
    mult, shift = quantize_multiplier(real)
    left = max(shift, 0)
    max_in = ((1 << sd_bits) - 1) * (1 << (31 - sd_bits)) / (1 << left)
    diff_min = -int(np.floor(max_in))
    x = np.asarray(x, np.int64)
    diff = x - x.max(axis=1, keepdims=True)
    valid = diff >= diff_min
    scaled = srdhm(diff * (1 << left), mult)
    ex = _exp_on_negative_values(scaled)  # Q0.31
    sum_exps = np.where(valid, rdbpot(ex, acc_bits), 0).sum(axis=1, keepdims=True)
    # GetReciprocal(sum, 12 integer bits)
    s = sum_exps.astype(np.int64)
    headroom = np.array([32 - int(v).bit_length() for v in s.ravel()], np.int64).reshape(s.shape)
    num_bits_over_unit = acc_bits - headroom
    shifted_minus_one = ((s << headroom) & 0xFFFFFFFF) - (1 << 31)
    shifted_minus_one = np.where(shifted_minus_one >= 2**31, shifted_minus_one - 2**32, shifted_minus_one)
    scale = _one_over_one_plus_x(shifted_minus_one)
    out = rdbpot(srdhm(scale, ex), num_bits_over_unit + 31 - 8) - 128
    return np.where(valid, np.clip(out, -128, 127), -128)


def _exp_on_interval(a):
    """exp(x) for x in [-1/4, 0), Q0.31 in and out."""
    const_term = 1895147668
    one_third = 715827883
    x = a + (1 << 28)
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rdbpot(x4, 2)
    poly = rdbpot(srdhm(x4_over_4 + x3, one_third) + x2, 1)
    return const_term + srdhm(const_term, x + poly)


def _exp_on_negative_values(a):
    """gemmlowp exp for a <= 0 in Q5.26; result Q0.31."""
    frac_bits = 26
    one_quarter = 1 << (frac_bits - 2)
    mask = one_quarter - 1
    a_mod = (a & mask) - one_quarter
    result = _exp_on_interval(a_mod << 5)  # Rescale Q5.26 -> Q0.31
    remainder = a_mod - a
    for exponent, m in ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
                        (2, 39332535), (3, 720401), (4, 242)):
        bit = 1 << (frac_bits + exponent)
        result = np.where((remainder & bit) != 0, srdhm(result, m), result)
    return np.where(a == 0, I32_MAX, result)


def _one_over_one_plus_x(a):
    """1/(1+x) for x in [0,1), Q0.31 in, Q0.31 out (Newton-Raphson, 3 steps)."""
    s = a + I32_MAX
    half_den = np.where(s >= 0, (s + 1) >> 1, -((-(s - 1)) >> 1))  # RoundingHalfSum
    c48_17, cneg32_17 = 1515870810, -1010580540
    x = c48_17 + srdhm(half_den, cneg32_17)  # Q2.29
    one_q2 = 1 << 29
    for _ in range(3):
        hdx = srdhm(half_den, x)
        one_minus = one_q2 - hdx
        x = x + sat_shift_left(srdhm(x, one_minus), 2)
    return sat_shift_left(x, 1)  # ExactMulByPot<-1> then Rescale Q1 -> Q0


def run_int8(qlayers, xq):
    """xq: int8 [N, frames, bins]. Returns int8 output [N, classes]."""
    h = xq[..., None].astype(np.int64)
    for q in qlayers:
        op = q["op"]
        if op in ("conv", "dwconv"):
            xf = (h - q["in_zp"]).astype(np.float64)
            if op == "conv":
                acc, shp = _conv_acc(xf, q["w"], q["stride"], q.get("padding", "SAME"), q.get("dilation", (1, 1)))
                h = _requant(acc.reshape(shp), q)
            else:
                h = _requant(_dw_acc(xf, q["w"], q["stride"], q.get("padding", "SAME"), q.get("dilation", (1, 1))), q)
        elif op == "avgpool":
            n, hh, ww, c = h.shape
            cnt = hh * ww
            acc = h.sum(axis=(1, 2), keepdims=True)
            avg = np.where(acc > 0, acc + cnt // 2, acc - cnt // 2)
            avg = np.where(avg >= 0, avg // cnt, -((-avg) // cnt))
            h = np.clip(avg, -128, 127)
        elif op == "reshape":
            h = h.reshape(h.shape[0], -1)
        elif op == "fc":
            xf = (h - q["in_zp"]).astype(np.float64)
            h = _requant(xf @ q["w"].astype(np.float64).T, q)
        elif op == "softmax":
            h = softmax_int8(h, q["in_scale"])
    return h.astype(np.int8)
