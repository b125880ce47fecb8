"""The report's plots (matplotlib): each takes the runs and the back-ends, in registry order, and
returns an Image, or None when the runs have nothing for it. PLOTS lists them in page order.
Debian's matplotlib (/usr/bin/python3)."""
import base64
import re
import io

import matplotlib

matplotlib.use("Agg")  # no display: render to memory
import matplotlib.pyplot as plt  # noqa: E402

from wqbench.fmt import human, short  # noqa: E402
from wqbench.table import load_table, run_os  # noqa: E402

# Back-ends take these colours in the order of the run's back-end list (its registry order), so
# one back-end keeps its colour on every plot of a report. Filled by assign_colours().
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7"]
COLOURS = {}
PEER_COLOUR = "#9c9c9c"
HATCHES = ["//", "..", "xx", "\\\\"]
PERCENTILES = [("p50_ns", "p50"), ("p90_ns", "p90"), ("p99_ns", "p99"), ("p999_ns", "p99.9")]




def assign_colours(backends):
    COLOURS.clear()
    COLOURS.update({b: PALETTE[k % len(PALETTE)] for k, b in enumerate(backends)})


class Image:
    """A rendered plot: the PNG (base64) and the labels of what it draws (legend entries and
    x-axis labels), which the page records in data-series so a test can tell who was drawn."""

    def __init__(self, data, series):
        self.data, self.series = data, series


def png(figure):
    series = [text.get_text() for legend_box in figure.legends for text in legend_box.get_texts()]
    for axis in figure.axes:
        # Categories only: numeric ticks are mathtext ("$10^{3}$") or empty before drawing.
        series += [label.get_text() for label in axis.get_xticklabels()
                   if label.get_text() and not label.get_text().startswith("$")]
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    return Image(base64.b64encode(buffer.getvalue()).decode("ascii"), series)


def style(index, runs):
    """Bar style of run `index`: the last run solid, earlier ones hatched and lighter."""
    if index == len(runs) - 1:
        return {"alpha": 1.0}
    return {"alpha": 0.45, "hatch": HATCHES[index % len(HATCHES)], "edgecolor": "black"}


def run_suffix(index, runs):
    return "" if len(runs) == 1 else f" — {runs[index].label}"


def grouped_bars(axis, groups, series, runs, log=False):
    """groups: x labels; series: [(label, colour, [(run index, [value or None per group])])]."""
    slots = sum(len(per_run) for _, _, per_run in series)
    width = 0.8 / max(slots, 1)
    slot = 0
    for label, colour, per_run in series:
        for index, values in per_run:
            xs, heights, lows, highs = [], [], [], []
            for g, value in enumerate(values):
                if value is None:
                    continue
                xs.append(g - 0.4 + width * (slot + 0.5))
                heights.append(value[0])
                lows.append(value[0] - value[1])
                highs.append(value[2] - value[0])
            if xs:
                axis.bar(xs, heights, width, color=colour, label=label + run_suffix(index, runs),
                         yerr=[lows, highs], capsize=2, error_kw={"elinewidth": 0.8},
                         **style(index, runs))
            slot += 1
    axis.set_xticks(range(len(groups)))
    axis.set_xticklabels(groups, rotation=20 if len(groups) > 4 else 0, ha="right"
                         if len(groups) > 4 else "center", fontsize=8)
    if log:
        axis.set_yscale("log")
    axis.grid(axis="y", alpha=0.3, which="both")


def legend(figure, axis):
    """One legend for the figure, right of the plots: never over the data, and clear of the
    x-axis labels (rotated category labels ran into a legend placed below)."""
    handles, labels = axis.get_legend_handles_labels()
    if handles:
        figure.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5),
                      fontsize=8, frameon=False)


def plot_latency_percentiles(runs, backends):
    rates = sorted({int(m.group(2)) for run in runs
                    for m, _ in run.names(r"^latency/([a-z0-9_]+)/rate:(\d+)/workers:1$")})
    if not rates:
        return None
    figure, axes = plt.subplots(1, len(rates), figsize=(5 * len(rates), 3.6), squeeze=False)
    for axis, rate in zip(axes[0], rates):
        for index, run in enumerate(runs):
            for backend in backends:
                name = f"latency/{backend}/rate:{rate}/workers:1"
                points = [(label, run.value(name, key)) for key, label in PERCENTILES]
                points = [(label, v[0]) for label, v in points if v]
                if not points:
                    continue
                last = index == len(runs) - 1
                axis.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                          color=COLOURS.get(backend), linestyle="-" if last else "--",
                          alpha=1.0 if last else 0.5, label=backend + run_suffix(index, runs))
        axis.set_yscale("log")
        axis.set_title(f"{human(rate, '/s')} offered, 1 worker", fontsize=9)
        axis.set_ylabel("one-way latency (ns, log)")
        axis.grid(alpha=0.3, which="both")
    legend(figure, axes[0][0])
    figure.suptitle("Latency percentiles per back-end (open loop, from the intended send time)")
    return png(figure)


def plot_latency_vs_rate(runs, backends):
    found = False
    figure, axes = plt.subplots(1, 2, figsize=(11, 3.8), squeeze=False)
    for axis, (key, label) in zip(axes[0], (("p50_ns", "p50"), ("p99_ns", "p99"))):
        for index, run in enumerate(runs):
            for backend in backends:
                points = sorted((int(m.group(1)), run.value(name, key)) for m, name in
                                run.names(rf"^latency/{backend}/rate:(\d+)/workers:1$"))
                points = [(rate, v) for rate, v in points if v]
                if not points:
                    continue
                found = True
                last = index == len(runs) - 1
                axis.errorbar([p[0] for p in points], [p[1][0] for p in points],
                              yerr=[[p[1][0] - p[1][1] for p in points],
                                    [p[1][2] - p[1][0] for p in points]],
                              marker="o", capsize=2, color=COLOURS.get(backend),
                              linestyle="-" if last else "--", alpha=1.0 if last else 0.5,
                              label=backend + run_suffix(index, runs))
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("offered rate (items/s, log)")
        axis.set_ylabel(f"{label} latency (ns, log)")
        axis.set_title(label, fontsize=9)
        axis.grid(alpha=0.3, which="both")
    legend(figure, axes[0][0])
    if not found:
        plt.close(figure)
        return None
    figure.suptitle("Latency against offered rate (one worker)")
    return png(figure)


def shape_key(params):
    return [int(v) if v.isdigit() else v for v in re.findall(r":(\w+)", params)]


def plot_throughput(runs, backends):
    shapes = sorted({m.group(1) for run in runs
                     for m, _ in run.names(r"^throughput/[a-z0-9_]+/(producers:.*)$")}, key=shape_key)
    if not shapes:
        return None
    figure, axis = plt.subplots(figsize=(max(8, 1.1 * len(shapes) + 3), 4.2))
    series = [(backend, COLOURS.get(backend),
               [(i, [run.value(f"throughput/{backend}/{s}", "items_per_second") for s in shapes])
                for i, run in enumerate(runs)]) for backend in backends]
    grouped_bars(axis, [short(s).replace(" batch 1", "").replace("work ", "")
                        for s in shapes], series, runs, log=True)
    axis.set_ylabel("items per second (log)")
    axis.set_title("Throughput against producers (P) × workers (W), callback work, batch "
                   "(median; bars: min–max of repetitions)", fontsize=10)
    legend(figure, axis)
    return png(figure)


def plot_cpu(runs, backends):
    rates = sorted({int(m.group(1)) for run in runs for m, _ in run.names(r"^cpu/[a-z0-9_]+/rate:(\d+)$")})
    if not rates:
        return None
    figure, axes = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [2, 1]})
    series = [(backend, COLOURS.get(backend),
               [(i, [run.value(f"cpu/{backend}/rate:{r}", "cpu_ns_per_item") for r in rates])
                for i, run in enumerate(runs)]) for backend in backends]
    grouped_bars(axes[0], [f"{human(r, '/s')} offered" for r in rates], series, runs, log=True)
    axes[0].set_ylabel("CPU ns per item (log)")
    axes[0].set_title("CPU per item under load (engine threads, spinning included)", fontsize=9)
    legend(figure, axes[0])
    # idle burn: the worst idle interval after any load
    idle_series = []
    for backend in backends:
        per_run = []
        for i, run in enumerate(runs):
            values = [run.value(f"cpu/{backend}/rate:{r}", "idle_cpu_pct") for r in rates]
            values = [v for v in values if v]
            per_run.append((i, [max(values, key=lambda v: v[0]) if values else None]))
        idle_series.append((backend, COLOURS.get(backend), per_run))
    grouped_bars(axes[1], ["idle"], idle_series, runs)
    axes[1].set_ylabel("% of one core")
    axes[1].set_title("CPU burnt while idle (100 ms after the load)", fontsize=9)
    return png(figure)


def plot_floor_ratios(runs, backends):
    # Each figure's ratio_to_floor, labelled with the floor that bounds it (bench/scenarios.json)
    # as the first run's OS names it.
    table = {s.name: s for s in load_table(os_name=run_os(runs[0].data))}

    def label(name, params, what):
        floor = table[name].floor_for(params) or {}
        return f"{what} ÷ {floor.get('short', 'floor')}"

    scenarios = [("pingpong/{b}", label("pingpong", "", "pingpong rtt"))]
    rates = sorted({int(m.group(1)) for run in runs
                    for m, _ in run.names(r"^latency/[a-z0-9_]+/rate:(\d+)/workers:1$")})
    scenarios += [(f"latency/{{b}}/rate:{r}/workers:1",
                   label("latency", f"/rate:{r}/workers:1", f"latency p50 @ {human(r, '/s')}"))
                  for r in rates]
    scenarios += [("wakeup/{b}", label("wakeup", "", "wake-up p50"))]
    bursts = sorted({int(m.group(1)) for run in runs
                     for m, _ in run.names(r"^burst/[a-z0-9_]+/items:(\d+)/work_ns:1000$")})
    scenarios += [(f"burst/{{b}}/items:{n}/work_ns:1000", label("burst", "", f"burst {n}"))
                  for n in bursts]
    scenarios = [(p, t) for p, t in scenarios
                 if any(run.value(p.format(b=b), "ratio_to_floor") for run in runs for b in backends)]
    if not scenarios:
        return None
    figure, axis = plt.subplots(figsize=(max(8, 1.4 * len(scenarios) + 3), 4))
    series = [(backend, COLOURS.get(backend),
               [(i, [run.value(p.format(b=backend), "ratio_to_floor") for p, _ in scenarios])
                for i, run in enumerate(runs)]) for backend in backends]
    grouped_bars(axis, [t for _, t in scenarios], series, runs, log=True)
    axis.axhline(1.0, color="black", linewidth=0.8)
    axis.set_ylabel("× the floor measured in the same run (log)")
    axis.set_title("Distance from the hardware floor (1 = the floor itself)", fontsize=10)
    legend(figure, axis)
    return png(figure)


def plot_peers(runs, backends):
    panels = [("pingpong", "rtt_ns", "round trip (ns)", lambda b: f"pingpong/{b}",
               lambda q: f"peer/{q}/shape:pingpong"),
              ("1 producer → 1 consumer", "items_per_second", "items per second",
               lambda b: f"throughput/{b}/producers:1/workers:1/work_ns:0/batch:1",
               lambda q: f"peer/{q}/shape:1p1c")]
    peers = sorted({m.group(1) for run in runs for m, _ in run.names(r"^peer/([a-z_]+)/shape:")})
    if not peers:
        return None
    figure, axes = plt.subplots(1, 2, figsize=(12, 4))
    for axis, (title, key, ylabel, engine_name, peer_name) in zip(axes, panels):
        who = [(b, engine_name(b), COLOURS.get(b)) for b in backends] + \
              [(q + " (bare)", peer_name(q), PEER_COLOUR) for q in peers]
        # One group per contender (its label under it), one bar per run.
        width = 0.8 / len(runs)
        for g, (_, name, colour) in enumerate(who):
            for index, run in enumerate(runs):
                value = run.value(name, key)
                if value is None:
                    continue
                axis.bar([g - 0.4 + width * (index + 0.5)], [value[0]], width, color=colour,
                         yerr=[[value[0] - value[1]], [value[2] - value[0]]], capsize=2,
                         **style(index, runs))
        axis.set_xticks(range(len(who)))
        axis.set_xticklabels([label for label, _, _ in who], rotation=25, ha="right", fontsize=8)
        axis.set_yscale("log")
        axis.set_ylabel(ylabel + " (log)")
        axis.set_title(title, fontsize=9)
        axis.grid(axis="y", alpha=0.3, which="both")
    figure.suptitle("The engines against bare peer queues (grey: the queue alone, pointer payload)")
    return png(figure)


def plot_workloads(runs, backends):
    """scripts/choose's runs: every workload measured, each objective's figure per back-end."""
    workloads = sorted({m.group(1) for run in runs
                        for m, _ in run.names(r"^workload/[a-z0-9_]+/(producers:.*)$")}, key=shape_key)
    if not workloads:
        return None
    keys = [k for k in ("items_per_second", "p50_ns", "p99_ns", "cpu_ns_per_item")
            if any(run.value(f"workload/{b}/{w}", k) for run in runs for b in backends
                   for w in workloads)]
    figure, axes = plt.subplots(1, len(keys), figsize=(4.5 * len(keys), 4), squeeze=False)
    for axis, key in zip(axes[0], keys):
        series = [(backend, COLOURS.get(backend),
                   [(i, [run.value(f"workload/{backend}/{w}", key) for w in workloads])
                    for i, run in enumerate(runs)]) for backend in backends]
        grouped_bars(axis, [short(w) for w in workloads], series, runs, log=True)
        axis.set_title(key, fontsize=9)
    legend(figure, axes[0][0])
    figure.suptitle("Workloads measured by scripts/choose")
    return png(figure)


def plot_mf(runs, backends):
    """MF's work-queue API: a put's cost beside the engine's, serial queues' streams, and what a
    priority is worth."""
    streams = [(f"mfput/{{b}}/via:{via}", label) for via, label in
               (("engine", "engine.put"), ("platform", "MULTITHREADED"),
                ("allocated", "allocated MT"))
               if any(run.names(rf"^mfput/[a-z0-9_]+/via:{via}$") for run in runs)]
    shapes = sorted({m.group(1) for run in runs
                     for m, _ in run.names(r"^serial/[a-z0-9_]+/(shape:stream/queues:\d+)$")},
                    key=shape_key)
    streams += [(f"serial/{{b}}/{s}", f"{s.rsplit(':', 1)[1]} serial") for s in shapes]
    probes = [p for p in ("high", "low")
              if any(run.names(rf"^priority/[a-z0-9_]+/probe:{p}$") for run in runs)]
    if not streams and not probes:
        return None
    figure, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    series = [(backend, COLOURS.get(backend),
               [(i, [run.value(name.format(b=backend), "items_per_second") for name, _ in streams])
                for i, run in enumerate(runs)]) for backend in backends]
    grouped_bars(axes[0], [label for _, label in streams], series, runs, log=True)
    axes[0].set_ylabel("items per second (log)")
    axes[0].set_title("One producer, one worker: the engine's put, MF queues, serial queues",
                      fontsize=9)
    legend(figure, axes[0])
    series = [(backend, COLOURS.get(backend),
               [(i, [run.value(f"priority/{backend}/probe:{p}", "p50_ns") for p in probes])
                for i, run in enumerate(runs)]) for backend in backends]
    grouped_bars(axes[1], [f"probe at {'1' if p == 'high' else '-1'}" for p in probes], series,
                 runs, log=True)
    axes[1].set_ylabel("p50 ns (log)")
    axes[1].set_title("A probe through a flood of priority -1 items", fontsize=9)
    return png(figure)


PLOTS = [
    ("latency-percentiles", "Latency percentiles per back-end", plot_latency_percentiles,
     "latency/&lt;b&gt;/rate:R/workers:1 — p50, p90, p99, p99.9 from the intended send time "
     "(no coordinated omission)."),
    ("latency-vs-rate", "Latency against offered rate", plot_latency_vs_rate,
     "The same runs, p50 and p99 against the rate: where a back-end's workers stop parking."),
    ("throughput", "Throughput against producers × workers", plot_throughput,
     "throughput/&lt;b&gt;/producers:P/workers:W/work_ns:N/batch:B — exactly-once checked."),
    ("cpu", "CPU per item", plot_cpu,
     "cpu/&lt;b&gt;/rate:R — what the engine's threads burn per item, and while idle."),
    ("floor", "Ratio to the hardware floor", plot_floor_ratios,
     "Each figure divided by the matching floor measured in the same run (floor/...)."),
    ("peers", "The engine against bare peer queues", plot_peers,
     "peer/&lt;queue&gt;/shape:pingpong|1p1c — the same hand-off with nothing but the queue."),
    ("mf", "Media Foundation work queues (wq/mfapi.hpp)", plot_mf,
     "mfput/&lt;b&gt;/via:V, serial/&lt;b&gt;/shape:stream/queues:N and "
     "priority/&lt;b&gt;/probe:high|low — the MF layer over each back-end: a put's cost, strands, "
     "and what a priority is worth."),
    ("workloads", "Workloads (scripts/choose)", plot_workloads,
     "workload/&lt;b&gt;/... — the user-described workloads in these files."),
]

