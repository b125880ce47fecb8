"""results/<host>/history.jsonl: one line per recorded scripts/bench run — revision, date, host, suite, the
result file, and every benchmark's key figure (the median over repetitions of the metric its
scenario is ranked by: the scenario table's key). scripts/plot-history draws it.

Usage: python3 -m wqbench history append RESULTS.json HISTORY.jsonl
       python3 -m wqbench history rebuild HISTORY.jsonl RESULTS.json...
       python3 -m wqbench history changes [HISTORY.jsonl] [--benchmark REGEX] [--policy FILE]

`changes` finds, per benchmark and metric, the change points of its series (wqbench/changes.py:
E-divisive means with a permutation test, the policy's [history] settings) and prints each: the
run it starts at (index, revision, date), the medians before and after, the relative shift and
the p-value. Exit 0; 1 when a series the policy gates shows a slowdown change point among its
last `recent` runs; 2 bad input.

Standard library only.
"""
import json
import os
import re
import socket
import statistics
from pathlib import Path

from wqbench.changes import Settings, change_points
from wqbench.cli import OK, REGRESSION, InputError, Parser, run
from wqbench.gate import DEFAULT_POLICY, HIGHER_IS_BETTER, load_policy, rule_for
from wqbench.results import load, rows_by_name
from wqbench.table import load_table, parse, run_os


def host_history(root=Path(__file__).resolve().parents[2]):
    """This host's history, where scripts/bench appends: results/<host>/history.jsonl, the host
    $WQ_HOST or the short host name."""
    host = os.environ.get("WQ_HOST") or socket.gethostname().split(".")[0]
    return str(root / "results" / host / "history.jsonl")


DEFAULT_HISTORY = host_history()


def key_figures(data):
    scenarios = load_table(os_name=run_os(data))
    rows, _ = rows_by_name(data)
    figures = {}
    for name, runs in sorted(rows.items()):
        parsed = parse(name, scenarios)
        if parsed is None:
            continue
        scenario, _, params, _ = parsed
        key = scenario.key_for(params)
        values = [float(r[key["counter"]]) for r in runs if key and key["counter"] in r]
        if values:
            figures[name] = {key["counter"]: statistics.median(values)}
    return figures


def history_line(results_path, data):
    context = data.get("context", {})
    return {
        "revision": context.get("wq.git_revision", "?"),
        "date": context.get("date", "?"),
        "host": context.get("host_name", "?"),
        "suite": context.get("wq.suite", "?"),
        "file": str(results_path),
        "figures": key_figures(data),
    }


def append(results_path, history_path):
    line = history_line(results_path, load(results_path))
    with open(history_path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, separators=(",", ":")) + "\n")
    print(f"history: {len(line['figures'])} key figures of {line['revision']} appended to "
          f"{history_path}")
    return OK


def rebuild(results_paths, history_path):
    """Writes the history anew from result files, in the order their runs were made."""
    lines = [history_line(path, load(path)) for path in results_paths]
    lines.sort(key=lambda line: str(line["date"]))
    with open(history_path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(line, separators=(",", ":")) + "\n" for line in lines)
    print(f"history: {history_path} rebuilt from {len(lines)} runs "
          f"({lines[0]['date'][:10] if lines else '-'} to {lines[-1]['date'][:10] if lines else '-'})")
    return OK


def read_history(path):
    """The runs of a history file, oldest first; InputError naming a line that is not a run."""
    runs = []
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except ValueError as error:
                    raise InputError(f"{path}:{number}: not JSON ({error})") from error
                if not isinstance(entry, dict) or not isinstance(entry.get("figures"), dict):
                    raise InputError(f"{path}:{number}: not a history run (no 'figures')")
                runs.append(entry)
    except OSError as error:
        raise InputError(f"cannot read history '{path}': {error.strerror}") from error
    return runs


def series_of(runs, pattern=None):
    """{(benchmark, metric): [(run index, value)]} in run order."""
    series = {}
    for index, entry in enumerate(runs):
        for name, metrics in entry["figures"].items():
            if pattern and not pattern.search(name):
                continue
            for metric, value in metrics.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    series.setdefault((name, metric), []).append((index, float(value)))
    return series


def settings_of(policy):
    table = policy.get("history", {})
    try:
        return Settings(alpha=float(table.get("alpha", Settings.alpha)),
                        permutations=int(table.get("permutations", Settings.permutations)),
                        min_shift=float(table.get("min_shift", Settings.min_shift)),
                        min_run=int(table.get("min_run", Settings.min_run))), \
            int(table.get("recent", 5))
    except (TypeError, ValueError) as error:
        raise InputError(f"policy [history]: {error}; use numbers (alpha, permutations, "
                         "min_shift, min_run, recent)") from error


def changes(args):
    runs = read_history(args.history)
    policy = load_policy(args.policy)
    settings, recent = settings_of(policy)
    try:
        pattern = re.compile(args.benchmark) if args.benchmark else None
    except re.error as error:
        raise InputError(f"--benchmark '{args.benchmark}': not a regular expression ({error})")
    found, slowdowns = 0, []
    for (name, metric), points in sorted(series_of(runs, pattern).items()):
        values = [value for _, value in points]
        for change in change_points(values, settings):
            found += 1
            index = points[change.index][0]
            entry = runs[index]
            slower = change.shift < 0 if metric in HIGHER_IS_BETTER else change.shift > 0
            rule = rule_for(policy, name)
            gated = rule is not None and rule["action"] == "gate" and metric in rule["metrics"]
            late = index >= len(runs) - recent
            mark = "slower" if slower else "faster"
            if slower and gated and late:
                mark += ", gated, recent"
                slowdowns.append(name)
            print(f"{name} {metric}: from run {index} ({entry.get('revision', '?')}, "
                  f"{str(entry.get('date', '?'))[:10]}) {change.before:.4g} → {change.after:.4g} "
                  f"({change.shift:+.1%}, p={change.p_value:.3f}; {mark})")
    print(f"history: {len(runs)} runs, {found} change points"
          + (f"; gated slowdowns in the last {recent} runs: {', '.join(slowdowns)}"
             if slowdowns else ""))
    return REGRESSION if slowdowns else OK


def history(argv):
    parser = Parser(prog="scripts/history", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    add = verbs.add_parser("append", help="append a result file's key figures to a history")
    add.add_argument("results")
    add.add_argument("history")
    again = verbs.add_parser("rebuild", help="write a history anew from result files, in the "
                                              "order their runs were made")
    again.add_argument("history")
    again.add_argument("results", nargs="+")
    find = verbs.add_parser("changes", help="the change points of every series in a history")
    find.add_argument("history", nargs="?", default=DEFAULT_HISTORY)
    find.add_argument("--benchmark", metavar="REGEX", help="only the benchmarks it matches")
    find.add_argument("--policy", default=str(DEFAULT_POLICY))
    args = parser.parse_args(argv)
    if args.verb == "append":
        return append(args.results, args.history)
    if args.verb == "rebuild":
        return rebuild(args.results, args.history)
    return changes(args)


def main(argv):
    return run(history, argv)
