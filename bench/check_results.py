#!/usr/bin/env python3
"""Smoke-checks a wq_bench run: every benchmark ran (none skipped by error), names follow the
documented scheme, and each scenario carries its counters.

Usage: check_results.py RESULTS.json BACKEND[,BACKEND...]
"""
import json
import re
import sys

# scenario name pattern -> counters it must report
SCHEME = [
    (re.compile(r"^floor/cacheline_rtt$"), {"rtt_ns", "oneway_ns"}),
    (re.compile(r"^floor/wake_futex_rtt$"), {"rtt_ns", "ratio_to_floor"}),
    (re.compile(r"^pingpong/(?P<backend>[a-z]+)$"), {"rtt_ns", "ratio_to_floor"}),
    (re.compile(r"^latency/(?P<backend>[a-z]+)/rate:\d+/workers:\d+$"),
     {"p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns", "ratio_to_floor"}),
    (re.compile(r"^throughput/(?P<backend>[a-z]+)/producers:\d+/workers:\d+/work_ns:\d+/batch:\d+$"),
     {"items_per_second"}),
]


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        data = json.load(handle)
    backends = set(argv[2].split(","))
    problems = []
    seen_backends = {}
    for bench in data.get("benchmarks", []):
        name = re.sub(r"/(real_time|manual_time)$", "", bench["name"])
        if bench.get("error_occurred"):
            problems.append(f"{name}: skipped with error: {bench.get('error_message')}")
            continue
        for pattern, counters in SCHEME:
            match = pattern.match(name)
            if match:
                missing = counters - set(bench)
                if missing:
                    problems.append(f"{name}: missing counters {sorted(missing)}")
                backend = match.groupdict().get("backend")
                if backend is not None:
                    seen_backends.setdefault(match.re.pattern.split("/")[0].lstrip("^"), set()).add(backend)
                break
        else:
            problems.append(f"{name}: not a documented benchmark name")
    for scenario in ("pingpong", "latency", "throughput"):
        missing = backends - seen_backends.get(scenario, set())
        if missing:
            problems.append(f"{scenario}: no results for back-ends {sorted(missing)}")
    for problem in problems:
        print(f"FAIL {problem}")
    count = len(data.get("benchmarks", []))
    print(f"{count - len([p for p in problems if 'skipped' in p])} benchmarks checked, {len(problems)} problems")
    return 1 if problems or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
