"""Keyword models in PyTorch and their export-ready description.

Both stages are DS-CNNs (a conv, then depthwise-separable blocks, global
average pooling, a fully connected layer and softmax): only CONV_2D,
DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED and SOFTMAX after
export. Input is [1, frames, mel_bins, 1] (NHWC, H = time).

`to_layers()` folds batch norm into the convolutions and returns the float
layer list the quantizer, exporter and integer simulation share.
"""

import numpy as np
import torch
import torch.nn as nn

CONFIGS = {
    # Temporal conv nets: the first conv spans all mel bins (VALID), the rest
    # run along time only. Cheap to train on a CPU and streaming-friendly.
    "tc1": {"arch": "tc", "channels": 64, "first_kernel": 5, "first_stride": 2,
            "blocks": [(5, 1), (5, 2), (5, 1), (5, 1)]},
    "tc2": {"arch": "tc", "channels": 96, "first_kernel": 5, "first_stride": 2,
            "blocks": [(5, 1), (5, 2), (5, 1), (5, 2), (5, 1)]},
    # Streaming-friendly stage 1: every conv VALID in time and only the first
    # one strided, so when the window shifts by 2 frames each layer can keep
    # its previous rows and compute only the newest one. 49 frames -> 23 rows
    # -> 19 -> 15 -> 11 -> 7 rows, average pool. Blocks are (kernel, stride)
    # or (kernel, stride, dilation) in time.
    "tc1v": {"arch": "tc", "channels": 64, "first_kernel": 5, "first_stride": 2, "time_padding": "VALID",
             "blocks": [(5, 1), (5, 1), (5, 1), (5, 1)]},
    # tc1v with the last depthwise conv dilated 2: receptive field 45 frames
    # instead of 37 (tc1's SAME stack sees 53); 23 -> 19 -> 15 -> 11 -> 3 rows.
    "tc1vd": {"arch": "tc", "channels": 64, "first_kernel": 5, "first_stride": 2, "time_padding": "VALID",
              "blocks": [(5, 1), (5, 1), (5, 1), (5, 1, 2)]},
    # stage 1: ~13 K int8 weights, ~3.5 M MACs for 49 x 40 input.
    "stage1": {"channels": 48, "first_kernel": (10, 4), "first_stride": (2, 2),
               "blocks": [(1, 1), (2, 2), (1, 1), (1, 1)]},
    # stage 2: more context (74 frames = 1.5 s) and capacity.
    "stage2": {"channels": 96, "first_kernel": (10, 4), "first_stride": (2, 2),
               "blocks": [(1, 1), (2, 2), (1, 1), (2, 2), (1, 1)]},
}


def _same_pad(in_size, k, s):
    out = (in_size + s - 1) // s
    total = max(0, (out - 1) * s + k - in_size)
    return total // 2, total - total // 2, out  # TFLite SAME puts the extra one after


class TCNet(nn.Module):
    def __init__(self, frames, bins, num_classes, cfg):
        super().__init__()
        c, k, s = cfg["channels"], cfg["first_kernel"], cfg["first_stride"]
        self.cfg, self.frames, self.bins, self.num_classes = cfg, frames, bins, num_classes
        t = (frames - k) // s + 1
        valid = cfg.get("time_padding", "SAME") == "VALID"
        layers = [nn.ModuleDict({"pad": nn.Identity(), "conv": nn.Conv2d(1, c, (k, bins), (s, 1), bias=False),
                                 "bn": nn.BatchNorm2d(c)})]
        paddings = ["VALID"]
        for blk in cfg["blocks"]:
            bk, bs = blk[0], blk[1]
            bd = blk[2] if len(blk) > 2 else 1
            if valid:
                ek = bd * (bk - 1) + 1
                if t < ek:
                    raise ValueError(f"{t} rows left for a VALID {bk}-tap conv with dilation {bd}")
                pad, t = nn.Identity(), (t - ek) // bs + 1
            else:
                if bd != 1:
                    raise ValueError("dilation needs time_padding VALID")
                pt = _same_pad(t, bk, bs)
                pad, t = nn.ZeroPad2d((0, 0, pt[0], pt[1])), pt[2]
            layers.append(nn.ModuleDict({"pad": pad,
                                         "conv": nn.Conv2d(c, c, (bk, 1), (bs, 1), dilation=(bd, 1), groups=c,
                                                           bias=False),
                                         "bn": nn.BatchNorm2d(c)}))
            paddings.append("VALID" if valid else "SAME")
            layers.append(nn.ModuleDict({"pad": nn.Identity(), "conv": nn.Conv2d(c, c, 1, bias=False),
                                         "bn": nn.BatchNorm2d(c)}))
            paddings.append("SAME")  # 1x1: SAME and VALID are the same op
        self.body = nn.ModuleList(layers)
        self.paddings = paddings
        self.pool_hw = (t, 1)
        self.dropout = nn.Dropout(0.1)
        self.fc = nn.Linear(c, num_classes)
        self.valid_first = True

    forward = lambda self, x: DSCNN.forward(self, x)  # noqa: E731
    to_layers = lambda self: DSCNN.to_layers(self)  # noqa: E731


def make(frames, bins, num_classes, cfg_name):
    cfg = CONFIGS[cfg_name]
    cls = TCNet if cfg.get("arch") == "tc" else DSCNN
    return cls(frames, bins, num_classes, cfg)


class DSCNN(nn.Module):
    def __init__(self, frames, bins, num_classes, cfg):
        super().__init__()
        c = cfg["channels"]
        self.cfg, self.frames, self.bins, self.num_classes = cfg, frames, bins, num_classes
        self.specs = []  # (kind, kernel, stride, in_hw) for TFLite-compatible SAME padding
        h, w = frames, bins
        layers = []
        kh, kw = cfg["first_kernel"]
        sh, sw = cfg["first_stride"]
        layers.append(self._conv(1, c, (kh, kw), (sh, sw), (h, w), groups=1))
        h, w = _same_pad(h, kh, sh)[2], _same_pad(w, kw, sw)[2]
        for (bh, bw) in cfg["blocks"]:
            layers.append(self._conv(c, c, (3, 3), (bh, bw), (h, w), groups=c))
            h, w = _same_pad(h, 3, bh)[2], _same_pad(w, 3, bw)[2]
            layers.append(self._conv(c, c, (1, 1), (1, 1), (h, w), groups=1))
        self.body = nn.ModuleList(layers)
        self.pool_hw = (h, w)
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(c, num_classes)

    def _conv(self, cin, cout, k, s, hw, groups):
        ph = _same_pad(hw[0], k[0], s[0])
        pw = _same_pad(hw[1], k[1], s[1])
        return nn.ModuleDict({
            "pad": nn.ZeroPad2d((pw[0], pw[1], ph[0], ph[1])),
            "conv": nn.Conv2d(cin, cout, k, s, bias=False, groups=groups),
            "bn": nn.BatchNorm2d(cout),
        })

    def forward(self, x):  # x: [N, frames, bins] float (dequantized features)
        x = x.unsqueeze(1)
        for m in self.body:
            x = torch.relu(m["bn"](m["conv"](m["pad"](x))))
        x = x.mean(dim=(2, 3))
        return self.fc(self.dropout(x))

    def to_layers(self):
        """Float layers with BN folded, weights in TFLite layouts."""
        out = []
        paddings = getattr(self, "paddings", None)
        for li, m in enumerate(self.body):
            conv, bn = m["conv"], m["bn"]
            w = conv.weight.detach().double().numpy()  # [O, I/g, kh, kw]
            gamma = bn.weight.detach().double().numpy()
            beta = bn.bias.detach().double().numpy()
            mean = bn.running_mean.detach().double().numpy()
            var = bn.running_var.detach().double().numpy()
            k = gamma / np.sqrt(var + bn.eps)
            wf = w * k[:, None, None, None]
            bf = beta - mean * k
            if paddings is not None:
                padding = paddings[li]
            else:
                padding = "VALID" if li == 0 and getattr(self, "valid_first", False) else "SAME"
            if conv.groups == 1:
                L = {"op": "conv", "w": wf.transpose(0, 2, 3, 1), "b": bf,
                     "stride": tuple(conv.stride), "relu": True, "padding": padding}
            else:  # depthwise: TFLite [1, kh, kw, C]
                L = {"op": "dwconv", "w": wf[:, 0].transpose(1, 2, 0)[None], "b": bf,
                     "stride": tuple(conv.stride), "relu": True, "padding": padding}
            if tuple(conv.dilation) != (1, 1):  # only then: the layer dicts of tc1/tc2 stay as they were
                L["dilation"] = tuple(conv.dilation)
            out.append(L)
        out.append({"op": "avgpool", "size": self.pool_hw})
        out.append({"op": "reshape"})
        out.append({"op": "fc", "w": self.fc.weight.detach().double().numpy(),
                    "b": self.fc.bias.detach().double().numpy()})
        out.append({"op": "softmax"})
        return out


def out_hw(h, w, kh, kw, sh, sw, padding, dilation=(1, 1)):
    if padding == "VALID":
        ekh, ekw = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
        return (h - ekh) // sh + 1, (w - ekw) // sw + 1
    return (h + sh - 1) // sh, (w + sw - 1) // sw


def count_params_macs(layers, frames, bins):
    h, w, c = frames, bins, 1
    params = macs = 0
    for L in layers:
        if L["op"] in ("conv", "dwconv"):
            _, kh, kw, _ = L["w"].shape
            sh, sw = L["stride"]
            h, w = out_hw(h, w, kh, kw, sh, sw, L.get("padding", "SAME"), L.get("dilation", (1, 1)))
            params += L["w"].size
            if L["op"] == "conv":
                c = L["w"].shape[0]
                macs += h * w * c * kh * kw * L["w"].shape[3]
            else:
                macs += h * w * c * kh * kw
        elif L["op"] == "fc":
            params += L["w"].size
            macs += L["w"].size
    return params, macs
