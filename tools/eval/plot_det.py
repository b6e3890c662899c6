"""Draws kws-eval's DET curves: one panel per keyword, FRR against false
accepts per hour, stage 1 alone and the cascade (their lower envelopes over
the threshold sweep).

    /usr/bin/python3 tools/eval/plot_det.py det.csv det.png [fa_resolution]
"""

import csv
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def front(points):
    """Lower envelope: by rising FA count, keep points that lower the FRR."""
    out = []
    for fa, frr in sorted(points):
        if not out or frr < out[-1][1] - 1e-12:
            out.append((fa, frr))
    return out


def main():
    src, dst = sys.argv[1], sys.argv[2]
    resolution = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    data = defaultdict(lambda: defaultdict(list))
    with open(src, newline="") as f:
        for row in csv.DictReader(f):
            data[row["keyword"]][row["system"]].append(
                (float(row["fa_per_hour"]), float(row["frr"])))
    keywords = sorted(data)
    if not keywords:
        sys.exit("plot_det: no points in " + src)
    fig, axes = plt.subplots(1, len(keywords), figsize=(5.5 * len(keywords), 4.5), squeeze=False)
    floor = resolution / 2 if resolution > 0 else 0.01
    for ax, kw in zip(axes[0], keywords):
        for system, style in (("stage1", "o-"), ("cascade", "s-")):
            pts = front(data[kw].get(system, []))
            if not pts:
                continue
            # 0 FA/h cannot sit on a log axis: draw it at half the resolution.
            xs = [max(fa, floor) for fa, _ in pts]
            ys = [100.0 * frr for _, frr in pts]
            ax.step(xs, ys, style, where="post", markersize=3,
                    label="stage 1 alone" if system == "stage1" else "cascade (stage 1 + 2)")
        ax.set_xscale("log")
        ax.set_xlabel("false accepts per hour")
        ax.set_ylabel("false rejects (%)")
        ax.set_title(kw)
        ax.grid(True, which="both", alpha=0.3)
        if resolution > 0:
            ax.axvline(resolution, color="grey", linestyle=":", linewidth=1)
            ax.text(resolution, ax.get_ylim()[1] * 0.95, " 1 FA", color="grey", fontsize=8)
        ax.legend(loc="upper right", fontsize=8)
    fig.suptitle("DET curves (points at 0 FA drawn at half the 1-FA resolution)", fontsize=9)
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    main()
