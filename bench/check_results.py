#!/usr/bin/env python3
"""Smoke-checks a wq_bench run: every benchmark ran (none skipped by error), every name follows the
documented scheme and carries its counters, every scenario has a result for every back-end (and
the same parameter sets for each), and every peer queue ran both shapes.

Usage: check_results.py RESULTS.json BACKEND[,BACKEND...] PEER[,PEER...]
       check_results.py --workload RESULTS.json BACKEND[,BACKEND...] SUFFIX [SUFFIX...]

The second form checks a --wq_workload run: workload/<b>/SUFFIX for every back-end and suffix
given, and nothing else, each with the counters of its kind (a rate, or saturate).
"""
import json
import re
import sys

B = r"(?P<backend>[a-z_]+)"
# scenario -> (name pattern, counters every result must carry). README "Benchmark names" documents
# the same list.
SCHEME = {
    "floor": (re.compile(r"^floor/(cacheline_rtt|wake_futex_rtt)$"), {"rtt_ns", "oneway_ns"}),
    "peer": (re.compile(rf"^peer/{B}/shape:(?P<params>pingpong|1p1c)$"), set()),
    "call": (re.compile(rf"^call/{B}(?P<params>/via:(concrete|make_engine))$"), {"ns_per_call"}),
    "pingpong": (re.compile(rf"^pingpong/{B}(?P<params>/via:make_engine)?$"),
                 {"rtt_ns", "ratio_to_floor"}),
    "latency": (re.compile(rf"^latency/{B}(?P<params>/rate:\d+/workers:\d+)$"),
                {"p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns", "late_sends", "ratio_to_floor"}),
    "wakeup": (re.compile(rf"^wakeup/{B}(?P<params>)$"),
               {"p50_ns", "p99_ns", "max_ns", "ratio_to_floor"}),
    "throughput": (re.compile(rf"^throughput/{B}(?P<params>/producers:\d+/workers:\d+/work_ns:\d+"
                              r"/batch:\d+)$"), {"items_per_second", "cpu_ns_per_item"}),
    "burst": (re.compile(rf"^burst/{B}(?P<params>/items:\d+/work_ns:\d+)$"),
              {"drain_ns", "items_per_second", "ratio_to_floor"}),
    "cpu": (re.compile(rf"^cpu/{B}(?P<params>/rate:\d+)$"), {"cpu_ns_per_item", "idle_cpu_pct"}),
}
PEER_COUNTERS = {"pingpong": {"rtt_ns", "ratio_to_floor"}, "1p1c": {"items_per_second"}}
WORKLOAD = re.compile(rf"^workload/{B}/(?P<params>producers:\d+/workers:\d+/work_ns:\d+"
                      r"/rate:(?P<rate>\d+|saturate)/batch:\d+)$")
WORKLOAD_COUNTERS = {"items_per_second", "cpu_ns_per_item", "idle_cpu_pct"}
WORKLOAD_AT_RATE = {"p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns", "late_pct"}
# Back-ends whose parks the engine can count (README "Back-ends").
PARKS_OBSERVABLE = {"mutex", "mpmc", "iocp"}


def strip(name):
    return re.sub(r"/(real_time|manual_time)$", "", name)


def check_workloads(path, backends, suffixes):
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    problems = []
    seen = set()
    for bench in data.get("benchmarks", []):
        name = strip(bench["name"])
        match = WORKLOAD.match(name)
        if match is None:
            problems.append(f"{name}: not a workload/ name")
            continue
        if bench.get("error_occurred"):
            problems.append(f"{name}: skipped with error: {bench.get('error_message')}")
            continue
        seen.add((match["backend"], match["params"]))
        wanted = set(WORKLOAD_COUNTERS)
        if match["rate"] != "saturate":
            wanted |= WORKLOAD_AT_RATE
        if match["backend"] in PARKS_OBSERVABLE:
            wanted.add("parks_per_item")
        missing = wanted - set(bench)
        if missing:
            problems.append(f"{name}: missing counters {sorted(missing)}")
    expected = {(b, s) for b in backends for s in suffixes}
    for backend, suffix in sorted(expected - seen):
        problems.append(f"workload/{backend}/{suffix}: did not run")
    for backend, suffix in sorted(seen - expected):
        problems.append(f"workload/{backend}/{suffix}: ran, but was not asked for")
    for problem in problems:
        print(f"FAIL {problem}")
    print(f"{len(seen)} workload benchmarks checked, {len(problems)} problems")
    return 1 if problems or not seen else 0


def main(argv):
    if len(argv) >= 5 and argv[1] == "--workload":
        return check_workloads(argv[2], set(argv[3].split(",")), argv[4:])
    if len(argv) != 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        data = json.load(handle)
    backends = set(argv[2].split(","))
    peers = set(argv[3].split(","))
    problems = []
    params_by = {}  # (scenario, backend) -> set of parameter strings
    floors = set()
    for bench in data.get("benchmarks", []):
        name = strip(bench["name"])
        if bench.get("error_occurred"):
            problems.append(f"{name}: skipped with error: {bench.get('error_message')}")
            continue
        scenario = name.split("/")[0]
        pattern, counters = SCHEME.get(scenario, (None, None))
        match = pattern.match(name) if pattern else None
        if match is None:
            problems.append(f"{name}: not a documented benchmark name")
            continue
        if scenario == "floor":
            floors.add(name)
        else:
            if scenario == "peer":
                counters = PEER_COUNTERS[match["params"]]
            # An optional group that did not take part is None: the parameter set is then "".
            params_by.setdefault((scenario, match["backend"]), set()).add(match["params"] or "")
        missing = counters - set(bench)
        if missing:
            problems.append(f"{name}: missing counters {sorted(missing)}")

    if floors != {"floor/cacheline_rtt", "floor/wake_futex_rtt"}:
        problems.append(f"floors: expected both, got {sorted(floors)}")
    for scenario in SCHEME:
        if scenario in ("floor", "peer"):
            continue
        reference = None
        for backend in sorted(backends):
            got = params_by.get((scenario, backend))
            if not got:
                problems.append(f"{scenario}: no results for back-end {backend}")
                continue
            if reference is None:
                reference = (backend, got)
            elif got != reference[1]:
                problems.append(f"{scenario}: {backend} ran {sorted(got)}, "
                                f"{reference[0]} ran {sorted(reference[1])}")
        if scenario in ("pingpong", "call"):
            for backend in sorted(backends):
                if not any("via:make_engine" in p for p in params_by.get((scenario, backend), ())):
                    problems.append(f"{scenario}: no via:make_engine result for {backend}")
    for peer in sorted(peers):
        got = params_by.get(("peer", peer), set())
        if got != {"pingpong", "1p1c"}:
            problems.append(f"peer/{peer}: expected shapes pingpong and 1p1c, got {sorted(got)}")

    for problem in problems:
        print(f"FAIL {problem}")
    count = len(data.get("benchmarks", []))
    print(f"{count} benchmarks checked, {len(problems)} problems")
    return 1 if problems or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
