"""Writes a single-file HTML report (plots embedded as PNG; opens offline) from wqbench result
files: latency percentiles per back-end, latency against offered rate, throughput against
producers × workers, CPU per item, ratio to the hardware floor, the engines against bare peer
queues, the machine's context and scripts/bench's ranked summary. Given two or more files (oldest
first), every plot shows each run: the last solid, the earlier ones hatched — a before/after.

Usage: python3 -m wqbench report [-o OUT.html] RESULTS.json [MORE.json ...]

Debian's matplotlib (/usr/bin/python3, python3-matplotlib).
"""
import html
import re
import statistics
from pathlib import Path

from wqbench import cli
from wqbench.cli import OK, InputError, Parser
from wqbench.fmt import human
from wqbench.results import load, rows_by_name
from wqbench.summary import Run as SummaryRun
from wqbench.summary import headline_lines, render
from wqbench.table import (backend_catalogue, calibration_engines, load_table, os_word,
                           run_os, wine_note)

# The scenarios whose subject is a back-end (bench/scenarios.json).
ENGINE_SCENARIOS = {s.name for s in load_table() if s.subject == "backend"}


class Run:
    """One result file: per benchmark, its repetitions' rows."""

    def __init__(self, path):
        data = load(path)
        self.data = data
        self.path = str(path)
        self.context = data.get("context", {})
        self.rows, failed = rows_by_name(data)
        self.errors = [f"{name}: {message}" for name, message in failed.items()]
        revision = self.context.get("wq.git_revision", "?")
        self.label = f"{revision} ({self.context.get('date', '?')[:16]})"

    def value(self, name, key):
        """(median, low, high) over the repetitions, or None."""
        values = [float(r[key]) for r in self.rows.get(name, []) if key in r]
        if not values:
            return None
        return statistics.median(values), min(values), max(values)

    def names(self, pattern):
        regex = re.compile(pattern)
        return [(m, name) for name in self.rows if (m := regex.match(name))]

    def backends(self):
        listed = [b for b in self.context.get("wq.backends", "").split(",") if b]
        catalogue = backend_catalogue(self.context)
        listed = listed or list(catalogue)
        seen = {name.split("/")[1] for name in self.rows
                if name.split("/")[0] in ENGINE_SCENARIOS}
        seen -= set(calibration_engines(self.context))  # the harness's, in the summary's text
        return [b for b in listed if b in seen] + sorted(seen - set(listed))


CONTEXT_KEYS = [("host_name", "host"), ("num_cpus", "CPUs"), ("mhz_per_cpu", "MHz per CPU"),
                ("date", "date"), ("wq.os", "OS"), ("wq.wine", "Wine"), ("wq.git_revision", "revision"), ("wq.suite", "suite"), ("wq.selection", "selection"),
                ("wq.backends", "back-ends"), ("wq.pinning", "pinning"), ("wq.cpus", "CPUs used"),
                ("wq.compiler", "compiler"), ("wq.build_type", "build type"),
                ("wq.kernel", "kernel"), ("wq.onetbb", "oneTBB"), ("wq.liburing", "liburing"),
                ("wq.boost", "Boost"), ("wq.packages", "Debian packages"),
                ("wq.floor_cacheline_rtt_ns", "cache-line rtt at start-up"),
                ("wq.floor_wake_oneway_ns", "{wake} wake one-way at start-up"),
                ("wq.floor_wake_idle_us100_oneway_ns", "{wake} wake after 100 µs idle at start-up"),
                ("wq.floor_wake_idle_us3000_oneway_ns", "{wake} wake after 3 ms idle at start-up"),
                ("wq.busy_work_1ms_took_ns", "busy_work(1 ms) took"),
                ("library_build_type", "Google Benchmark build")]

CHECK_SCRIPT = """
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.querySelectorAll('img.plot'));
  var decoded = images.filter(function (img) {
    return img.complete && img.naturalWidth > 0 && img.naturalHeight > 0;
  });
  var smallest = decoded.reduce(function (least, img) {
    return Math.min(least, img.naturalWidth * img.naturalHeight);
  }, Infinity);
  document.body.setAttribute('data-plots-total', String(images.length));
  document.body.setAttribute('data-plots-decoded', String(decoded.length));
  document.body.setAttribute('data-smallest-plot-pixels',
                             String(decoded.length ? smallest : 0));
});
"""

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1250px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.85em; }
td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 0.8em; }
img.plot { max-width: 100%; display: block; margin: 0.5em 0; }
p.note { color: #555; font-size: 0.9em; }
p.wine { background: #fff3cd; border-left: 4px solid #c90; padding: 0.5em 1em; }
"""


def context_value(value, key=""):
    """A context value as a reader wants it: a time (a key ending in _ns) with its unit,
    '1770.154570' as '1.77 µs'; another number as '1770.2'."""
    text = str(value)
    if key.endswith("_ns") and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        return human(float(text), "ns")
    if re.fullmatch(r"-?[0-9]+\.[0-9]+", text):
        number = float(text)
        return f"{number:.0f}" if abs(number) >= 1e4 else f"{number:.1f}"
    return text


def summary_text(run):
    """scripts/summary's text for a run, made in-process."""
    return render(run.data)[0]


def build(runs):
    # matplotlib only when drawing, not for --help
    from wqbench.report_plots import PLOTS, assign_colours  # pylint: disable=import-outside-toplevel
    backends = []
    for run in runs:
        backends += [b for b in run.backends() if b not in backends]
    assign_colours(backends)
    parts = [f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
             f"<title>wqbench report</title><style>{STYLE}</style>"
             f"<script>{CHECK_SCRIPT}</script></head><body>"]
    title = "wqbench report" if len(runs) == 1 else "wqbench report — before / after"
    parts.append(f"<h1>{title}</h1>")
    if len(runs) > 1:
        parts.append("<p class='note'>Runs compared (oldest first; in the plots the last is solid, "
                     "earlier ones hatched or dashed):</p><ol>")
        parts += [f"<li>{html.escape(run.label)} — {html.escape(run.path)}</li>" for run in runs]
        parts.append("</ol>")
    else:
        parts.append(f"<p class='note'>{html.escape(runs[0].label)} — "
                     f"{html.escape(runs[0].path)}</p>")
    for run in runs:
        if note := wine_note(run.data):
            parts.append(f"<p class='wine'>{html.escape(run.label)}: {html.escape(note)}.</p>")
    for run in runs[-1:]:  # the decision guide's answer from this run's own data, first
        scenarios = load_table(os_name=run_os(run.data))
        lines = headline_lines(SummaryRun(run.data, scenarios), run.data)
        if lines:
            parts.append(f"<h2 id='headline'>Who leads — {html.escape(run.label)}</h2>"
                         "<p class='note'>For each family: the back-end that leads, by how much "
                         "over the runner-up (medians), and where the repetitions of the best two "
                         "overlap, so this run cannot separate them. Which to pick for which "
                         "workload: docs/choosing.md; for yours: scripts/choose.</p>"
                         f"<pre>{html.escape(chr(10).join(lines[2:]))}</pre>")
    parts.append("<p class='note'>Bars and points are medians of the repetitions; whiskers span "
                 "their minimum and maximum.</p>")
    drawn = 0
    for anchor, heading, plot, caption in PLOTS:
        image = plot(runs, backends)
        if image is None:
            continue
        drawn += 1
        parts.append(f"<h2 id='{anchor}'>{heading}</h2><p class='note'>{caption}</p>"
                     f"<img class='plot' alt='{heading}' "
                     f"data-series='{html.escape('|'.join(image.series), quote=True)}' "
                     f"src='data:image/png;base64,{image.data}'>")
    if drawn == 0:
        raise InputError("nothing to plot: none of the files has latency/, throughput/, cpu/, "
                         "pingpong/, peer/ or workload/ results")
    parts.append("<h2 id='context'>Machine and build</h2><table><tr><th></th>")
    parts += [f"<th>{html.escape(run.label)}</th>" for run in runs]
    parts.append("</tr>")
    # A floor's label names its OS's wait (the first run's OS; a mixed before/after shows both).
    wake = "/".join(dict.fromkeys(os_word(run_os(run.data), "wake") for run in runs))
    for key, label in CONTEXT_KEYS:
        if any(key in run.context for run in runs):
            parts.append(f"<tr><td>{html.escape(label.format(wake=wake))}</td>")
            parts += [f"<td>{html.escape(context_value(run.context.get(key, ''), key))}</td>"
                      for run in runs]
            parts.append("</tr>")
    parts.append("</table>")
    for number, run in enumerate(runs, 1):
        parts.append(f"<h2 id='summary-{number}'>Ranked summary — {html.escape(run.label)}</h2>"
                     f"<pre>{html.escape(summary_text(run))}</pre>")
        if run.errors:
            parts.append("<p class='note'>Failed benchmarks: " +
                         html.escape("; ".join(run.errors)) + "</p>")
    parts.append("</body></html>\n")
    return "".join(parts), drawn


def report(argv):
    parser = Parser(prog="scripts/report", description=__doc__)
    parser.add_argument("results", nargs="+", help="result JSON files, oldest first")
    parser.add_argument("-o", "--out", default="results/report.html", help="the HTML to write")
    args = parser.parse_args(argv)
    runs = [Run(path) for path in args.results]
    page, drawn = build(runs)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(out)
    print(f"report: {out} ({drawn} plots, {len(page) // 1024} KiB)")
    return OK


def main(argv):
    return cli.run(report, argv)
