#!/usr/bin/env python3
"""Prints the ten-second summary of a wqbench result file: per scenario, back-ends ranked.

Usage: summary.py RESULTS.json

Benchmark names are <scenario>/<backend>[/<param>:<value>...][/real_time]; rows that differ only in
<backend> are compared with each other. Standard library only (runs on any python3).
"""
import json
import sys

# scenario -> (counter, unit, higher_is_better)
METRICS = {
    "pingpong": ("rtt_ns", "ns", False),
    "latency": ("p99_ns", "ns", False),
    "throughput": ("items_per_second", "items/s", True),
}


def split_name(name):
    parts = [p for p in name.split("/") if p not in ("real_time", "manual_time")]
    if len(parts) < 2:
        return None
    return parts[0], parts[1], "/".join(parts[2:])


def human(value, unit):
    if unit == "items/s":
        for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if value >= scale:
                return f"{value / scale:.2f} {suffix}{unit}"
        return f"{value:.0f} {unit}"
    if value >= 1e6:
        return f"{value / 1e6:.2f} ms"
    if value >= 1e3:
        return f"{value / 1e3:.2f} µs"
    return f"{value:.0f} {unit}"


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, json.JSONDecodeError) as error:
        print(f"error: cannot read results file '{argv[1]}': {error}", file=sys.stderr)
        return 1

    groups = {}
    floors = []
    errors = []
    for bench in data.get("benchmarks", []):
        if bench.get("run_type", "iteration") != "iteration":
            continue
        parsed = split_name(bench["name"])
        if parsed is not None and parsed[0] == "floor" and "rtt_ns" in bench:
            floors.append((parsed[1], float(bench["rtt_ns"]), bench.get("oneway_ns")))
            continue
        if parsed is None or parsed[0] not in METRICS:
            continue
        scenario, backend, params = parsed
        if bench.get("error_occurred"):
            errors.append(f"{bench['name']}: {bench.get('error_message', 'error')}")
            continue
        counter, _, _ = METRICS[scenario]
        if counter not in bench:
            continue
        groups.setdefault((scenario, params), []).append(
            (backend, float(bench[counter]), bench.get("ratio_to_floor")))

    # The ranked latency figure is p99; its floor is the cache-line one-way trip of this run (the
    # benchmark's own ratio_to_floor counter is the p50's).
    oneway = next((float(o) for name, _, o in floors if name == "cacheline_rtt" and o), None)
    for (scenario, _), rows in groups.items():
        if scenario == "latency":
            rows[:] = [(b, v, (v / oneway) if oneway else None) for b, v, _ in rows]

    context = data.get("context", {})
    print()
    print(f"wqbench summary — {context.get('host_name', '?')}, {context.get('num_cpus', '?')} CPUs, "
          f"{context.get('date', '?')}, revision {context.get('wq.git_revision', '?')}")
    if floors:
        print()
        print("floor (measured first, in this run)")
        for name, rtt, oneway in floors:
            extra = f"   one-way {human(float(oneway), 'ns')}" if oneway is not None else ""
            print(f"    {name:<16} {human(rtt, 'ns'):>16}{extra}")
    for (scenario, params), rows in groups.items():
        counter, unit, higher = METRICS[scenario]
        rows.sort(key=lambda row: row[1], reverse=higher)
        best = rows[0][1]
        title = scenario + (f"  {params}" if params else "")
        print()
        print(f"{title}   ({counter}, {'higher' if higher else 'lower'} is better)")
        for rank, (backend, value, to_floor) in enumerate(rows, 1):
            ratio = value / best if best else float("nan")
            versus = "winner" if rank == 1 else (f"{1 / ratio:.2f}x slower" if higher else f"{ratio:.2f}x slower")
            floor = f"   {float(to_floor):.1f}x floor" if to_floor is not None else ""
            print(f"  {'*' if rank == 1 else ' '} {rank}. {backend:<8} {human(value, unit):>16}   {versus:<14}{floor}")
    if errors:
        print()
        print("benchmarks that failed:")
        for line in errors:
            print(f"  {line}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
