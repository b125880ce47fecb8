#!/usr/bin/env python3
"""results/history.jsonl: one line per recorded scripts/bench run — revision, date, host, suite, the
result file, and every benchmark's key figure (the median over repetitions of the metric its
scenario is ranked by). scripts/plot-history draws it.

Usage: history.py append RESULTS.json HISTORY.jsonl

Standard library only.
"""
import json
import re
import statistics
import sys
from pathlib import Path

# scenario (first part of the name) -> the figure kept for it
KEY_METRIC = {
    "floor": "rtt_ns", "peer": None, "call": "ns_per_call", "pingpong": "rtt_ns",
    "latency": "p99_ns", "wakeup": "p50_ns", "throughput": "items_per_second",
    "burst": "drain_ns", "cpu": "cpu_ns_per_item",
}
PEER_METRIC = {"pingpong": "rtt_ns", "1p1c": "items_per_second"}


def key_figures(data):
    values = {}
    for bench in data.get("benchmarks", []):
        if bench.get("run_type", "iteration") != "iteration" or bench.get("error_occurred"):
            continue
        name = re.sub(r"/(real_time|manual_time)$", "", bench.get("run_name", bench["name"]))
        scenario = name.split("/")[0]
        metric = KEY_METRIC.get(scenario)
        if scenario == "peer":
            metric = PEER_METRIC.get(name.rsplit("shape:", 1)[-1])
        if metric and metric in bench:
            values.setdefault(name, {}).setdefault(metric, []).append(float(bench[metric]))
    return {name: {metric: statistics.median(v) for metric, v in metrics.items()}
            for name, metrics in sorted(values.items())}


def append(results_path, history_path):
    try:
        data = json.loads(Path(results_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"error: cannot read results file '{results_path}': {error}", file=sys.stderr)
        return 2
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
    return 0


def main(argv):
    if len(argv) != 4 or argv[1] != "append":
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return append(argv[2], argv[3])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
