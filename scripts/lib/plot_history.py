#!/usr/bin/python3
"""Draws results/history.jsonl: one panel per benchmark, its key figure per recorded run (x: the
runs in order, labelled with revision and date). Debian's matplotlib (/usr/bin/python3).

Usage: plot_history.py HISTORY.jsonl OUT.png [REGEX]
"""
import json
import math
import re
import sys

import matplotlib

matplotlib.use("Agg")  # no display: write the file
import matplotlib.pyplot as plt  # noqa: E402

DEFAULT = r"^(pingpong/[a-z]+|throughput/[a-z]+/producers:1/workers:1/work_ns:0/batch:1" \
          r"|latency/[a-z]+/rate:100000/workers:1|floor/cacheline_rtt)$"


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    pattern_text = argv[3] if len(argv) == 4 else DEFAULT
    try:
        pattern = re.compile(pattern_text)
    except re.error as error:
        print(f"error: REGEX '{pattern_text}': {error}", file=sys.stderr)
        return 2
    runs = []
    try:
        with open(argv[1], encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    try:
                        runs.append(json.loads(line))
                    except ValueError as error:
                        print(f"error: {argv[1]}:{number}: not JSON ({error})", file=sys.stderr)
                        return 2
    except OSError as error:
        print(f"error: cannot read history '{argv[1]}': {error.strerror}", file=sys.stderr)
        return 2
    series = {}
    for index, run in enumerate(runs):
        for name, metrics in run.get("figures", {}).items():
            if pattern.search(name):
                for metric, value in metrics.items():
                    series.setdefault((name, metric), []).append((index, value))
    if not series:
        print(f"error: no benchmark in '{argv[1]}' matches '{pattern_text}'", file=sys.stderr)
        return 1
    labels = [f"{run.get('revision', '?')}\n{run.get('date', '?')[:10]}" for run in runs]
    panels = sorted(series)
    columns = min(3, len(panels))
    rows = math.ceil(len(panels) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(5.5 * columns, 3.2 * rows), squeeze=False)
    for axis, (name, metric) in zip(axes.flat, panels):
        points = series[(name, metric)]
        axis.plot([i for i, _ in points], [v for _, v in points], marker="o")
        axis.set_title(name, fontsize=8)
        axis.set_ylabel(metric, fontsize=8)
        axis.set_xticks(range(len(runs)), labels, fontsize=6)
        axis.grid(alpha=0.3)
        axis.set_ylim(bottom=0)
    for axis in list(axes.flat)[len(panels):]:
        axis.set_visible(False)
    figure.suptitle(f"wqbench history — {len(runs)} runs", fontsize=10)
    figure.tight_layout(rect=(0, 0, 1, 0.97))  # room for the title
    figure.savefig(argv[2], dpi=110)
    print(f"wrote {argv[2]}: {len(panels)} benchmarks over {len(runs)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
