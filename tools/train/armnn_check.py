"""Independent check of the exporter: runs a .tflite with Debian's Arm NN
(python3-pyarmnn, CpuRef backend) and compares its int8 outputs with our
integer simulation's, sample by sample.

    /usr/bin/python3 tools/train/armnn_check.py MODEL.tflite FEATURES.npy SIM_OUT.npy [--limit N]

FEATURES.npy: int8 [N, frames, bins]; SIM_OUT.npy: int8 [N, classes] from intsim.run_int8.
Arm NN's CpuRef requantizes in floating point (round(acc * real_multiplier))
where TFLite's reference uses a Q31 multiplier with two roundings; the two
differ by one step when the exact value is within ~0.003 of a .5 tie. So the
check passes when outputs differ by at most 1 and the class always agrees;
--strict demands every byte equal.
"""

import argparse
import sys

import numpy as np


def run_armnn(model_path, feats):
    import pyarmnn as ann

    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(model_path)
    in_name = parser.GetSubgraphInputTensorNames(0)[0]
    out_name = parser.GetSubgraphOutputTensorNames(0)[0]
    in_info = parser.GetNetworkInputBindingInfo(0, in_name)
    out_info = parser.GetNetworkOutputBindingInfo(0, out_name)
    runtime = ann.IRuntime(ann.CreationOptions())
    opt, _ = ann.Optimize(network, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(), ann.OptimizerOptions())
    net_id, _ = runtime.LoadNetwork(opt)
    outs = []
    for x in feats:
        inp = ann.make_input_tensors([in_info], [x.reshape(1, x.shape[0], x.shape[1], 1).astype(np.int8)])
        out = ann.make_output_tensors([out_info])
        runtime.EnqueueWorkload(net_id, inp, out)
        outs.append(ann.workload_tensors_to_ndarray(out)[0].reshape(-1))
    return np.array(outs).astype(np.int8)


def _round_half_away(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def armnn_style_int8(q_layers, xq):
    """Our layers computed the way Arm NN's CpuRef does: exact integer
    accumulation, then float requantization; float softmax. If Arm NN equals
    this bit for bit, it read every weight, bias, scale, zero point, shape and
    option of our file as intended; what remains versus intsim is rounding."""
    import intsim

    h = xq[..., None].astype(np.int64)
    for q in q_layers:
        op = q["op"]
        if op in ("conv", "dwconv", "fc"):
            xf = (h - q["in_zp"]).astype(np.float64)
            if op == "conv":
                acc, shp = intsim._conv_acc(xf, q["w"], q["stride"], q.get("padding", "SAME"),
                                            q.get("dilation", (1, 1)))
                acc = acc.reshape(shp)
            elif op == "dwconv":
                acc = intsim._dw_acc(xf, q["w"], q["stride"], q.get("padding", "SAME"), q.get("dilation", (1, 1)))
            else:
                acc = xf @ q["w"].astype(np.float64).T
            real = (acc + q["bias"]) * (q["in_scale"] * q["w_scale"] / q["out_scale"])
            lo = q["out_zp"] if q.get("relu") else -128
            h = np.clip(_round_half_away(real) + q["out_zp"], lo, 127).astype(np.int64)
        elif op == "avgpool":
            h = np.clip(_round_half_away(h.mean(axis=(1, 2), keepdims=True)), -128, 127).astype(np.int64)
        elif op == "reshape":
            h = h.reshape(h.shape[0], -1)
        elif op == "softmax":
            x = (h - q["in_zp"]) * q["in_scale"]
            e = np.exp(x - x.max(1, keepdims=True))
            h = np.clip(_round_half_away(e / e.sum(1, keepdims=True) * 256) - 128, -128, 127).astype(np.int64)
    return h.astype(np.int8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("features")
    ap.add_argument("sim_out")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--qlayers", help="q_layers.npy saved by train.py: also compare with Arm NN's arithmetic")
    a = ap.parse_args()
    feats = np.load(a.features)
    sim = np.load(a.sim_out)
    if a.limit:
        feats, sim = feats[: a.limit], sim[: a.limit]
    arm = run_armnn(a.model, feats)
    diff = np.abs(arm.astype(np.int32) - sim.astype(np.int32))
    exact = float(np.mean(np.all(diff == 0, axis=1)))
    same_class = float(np.mean(arm.argmax(1) == sim.argmax(1)))
    print(f"armnn vs intsim: {len(feats)} inputs, bit-exact outputs {100 * exact:.2f} %, "
          f"max |diff| {int(diff.max()) if diff.size else 0}, same class {100 * same_class:.2f} %")
    if a.qlayers:
        ql = list(np.load(a.qlayers, allow_pickle=True))
        style = armnn_style_int8(ql, feats)
        same = float(np.mean(np.all(style == arm, axis=1)))
        print(f"armnn vs the same layers with Arm NN's float requantization: bit-exact {100 * same:.2f} %")
        if same != 1.0:
            return 1
    if a.strict:
        return 0 if exact == 1.0 else 1
    if a.qlayers:  # exporter verified by the bit-exact match above
        return 0 if same_class >= 0.99 else 1
    return 0 if (diff.size == 0 or diff.max() <= 1) and same_class == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
