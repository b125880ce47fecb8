"""results/history.jsonl: one line per recorded scripts/bench run — revision, date, host, suite, the
result file, and every benchmark's key figure (the median over repetitions of the metric its
scenario is ranked by: the scenario table's key). scripts/plot-history draws it.

Usage: python3 -m wqbench history append RESULTS.json HISTORY.jsonl

Standard library only.
"""
import json
import statistics

from wqbench.cli import OK, Parser, run
from wqbench.results import load, rows_by_name
from wqbench.table import load_table, parse, run_os


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


def append(results_path, history_path):
    data = load(results_path)
    context = data.get("context", {})
    line = {
        "revision": context.get("wq.git_revision", "?"),
        "date": context.get("date", "?"),
        "host": context.get("host_name", "?"),
        "suite": context.get("wq.suite", "?"),
        "file": str(results_path),
        "figures": key_figures(data),
    }
    with open(history_path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, separators=(",", ":")) + "\n")
    print(f"history: {len(line['figures'])} key figures of {line['revision']} appended to "
          f"{history_path}")
    return OK


def history(argv):
    parser = Parser(prog="python3 -m wqbench history", description=__doc__)
    parser.add_argument("action", choices=["append"])
    parser.add_argument("results")
    parser.add_argument("history")
    args = parser.parse_args(argv)
    return append(args.results, args.history)


def main(argv):
    return run(history, argv)
