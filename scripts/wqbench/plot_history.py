"""Draws a history (results/<host>/history.jsonl): one panel per benchmark, its key figure per recorded run (x: the
runs in order, labelled with revision and date), a dashed line where the series shifted (its
change points: wqbench/changes.py, the policy's [history]). Debian's matplotlib (/usr/bin/python3).

Usage: python3 -m wqbench plot-history HISTORY.jsonl OUT.png [REGEX]
"""
import math
import re

from wqbench.changes import change_points
from wqbench.cli import OK, Parser, UsageError, run
from wqbench.gate import DEFAULT_POLICY, load_policy
from wqbench.history import read_history, series_of, settings_of

DEFAULT = r"^(pingpong/[a-z0-9_]+|throughput/[a-z0-9_]+/producers:1/workers:1/work_ns:0/batch:1" \
          r"|latency/[a-z0-9_]+/rate:100000/workers:1|floor/cacheline_rtt)$"


def draw(runs, series, out):
    settings = settings_of(load_policy(DEFAULT_POLICY))[0]
    # pylint: disable=import-outside-toplevel  # matplotlib only when drawing, not for --help
    import matplotlib
    matplotlib.use("Agg")  # no display: write the file
    import matplotlib.pyplot as plt
    labels = [f"{run.get('revision', '?')}\n{run.get('date', '?')[:10]}" for run in runs]
    panels = sorted(series)
    columns = min(3, len(panels))
    rows = math.ceil(len(panels) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(5.5 * columns, 3.2 * rows), squeeze=False)
    for axis, (name, metric) in zip(axes.flat, panels):
        points = series[(name, metric)]
        axis.plot([i for i, _ in points], [v for _, v in points], marker="o")
        for change in change_points([v for _, v in points], settings):  # where the series shifted
            axis.axvline(points[change.index][0] - 0.5, color="tab:red", linestyle="--",
                         linewidth=1)
        axis.set_title(name, fontsize=8)
        axis.set_ylabel(metric, fontsize=8)
        axis.set_xticks(range(len(runs)), labels, fontsize=6)
        axis.grid(alpha=0.3)
        axis.set_ylim(bottom=0)
    for axis in list(axes.flat)[len(panels):]:
        axis.set_visible(False)
    figure.suptitle(f"wqbench history — {len(runs)} runs", fontsize=10)
    figure.tight_layout(rect=(0, 0, 1, 0.97))  # room for the title
    figure.savefig(out, dpi=110)
    return len(panels)


def plot_history(argv):
    parser = Parser(prog="scripts/plot-history", description=__doc__)
    parser.add_argument("history")
    parser.add_argument("out")
    parser.add_argument("regex", nargs="?", default=DEFAULT)
    args = parser.parse_args(argv)
    try:
        pattern = re.compile(args.regex)
    except re.error as error:
        raise UsageError(f"REGEX '{args.regex}': {error}") from error
    runs = read_history(args.history)
    series = series_of(runs, pattern)
    if not series:
        raise UsageError(f"no benchmark in '{args.history}' matches '{args.regex}'")
    panels = draw(runs, series, args.out)
    print(f"wrote {args.out}: {panels} benchmarks over {len(runs)} runs")
    return OK


def main(argv):
    return run(plot_history, argv)
