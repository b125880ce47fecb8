#!/usr/bin/env python3
"""Prints the ten-second summary of a wqbench result file: per scenario, a row per parameter set
with every back-end's figure side by side, the winner starred, and the winner's ratio to this
run's floor and to the best bare peer queue.

Usage: summary.py RESULTS.json

Benchmark names are <scenario>/<backend>[/<param>:<value>...][/real_time] (README "Benchmark
names"). Standard library only (runs on any python3).
"""
import json
import sys

# scenario -> (title, counter ranked, unit, higher is better, floor key or None)
SCENARIOS = {
    "pingpong": ("round trip through the engine", "rtt_ns", "ns", False, "cacheline_rtt"),
    "latency": ("open-loop one-way latency, p99", "p99_ns", "ns", False, "cacheline_oneway"),
    "wakeup": ("waking a parked worker, p50", "p50_ns", "ns", False, "wake_oneway"),
    "throughput": ("items per second", "items_per_second", "/s", True, None),
    "burst": ("fan-out of N items, time to drain (median)", "drain_ns", "ns", False, "burst_ideal"),
    "cpu": ("CPU per item under load", "cpu_ns_per_item", "ns", False, None),
}
PEER_SHAPES = {"pingpong": ("rtt_ns", False), "1p1c": ("items_per_second", True)}


def human(value, unit):
    if value is None:
        return "-"
    if unit == "/s":
        for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if value >= scale:
                return f"{value / scale:.3g}{suffix}/s"
        return f"{value:.0f}/s"
    if value >= 1e6:
        return f"{value / 1e6:.3g} ms"
    if value >= 1e3:
        return f"{value / 1e3:.3g} µs"
    return f"{value:.0f} ns"


def human_precise(ns):
    return f"{ns:.1f} ns" if ns < 1e3 else human(ns, "ns")


def parse(name):
    parts = [p for p in name.split("/") if p not in ("real_time", "manual_time")]
    if len(parts) < 2:
        return None
    return parts[0], parts[1], "/".join(parts[2:])


def short(params):
    """producers:1/workers:2/work_ns:0/batch:1 -> P1 W2 work 0ns batch 1"""
    if not params:
        return ""
    words = []
    for part in params.split("/"):
        key, _, value = part.partition(":")
        if key in ("producers", "workers"):
            words.append(key[0].upper() + value)
        elif key == "work_ns":
            words.append(f"work {value}ns")
        elif key == "rate":
            words.append(f"rate {value}/s")
        else:
            words.append(f"{key} {value}")
    return " ".join(words)


def load(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, json.JSONDecodeError) as error:
        print(f"error: cannot read results file '{path}': {error}", file=sys.stderr)
        sys.exit(1)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    data = load(argv[1])
    floors = {}
    peers = {}      # shape -> {queue: value}
    groups = {}     # (scenario, params) -> {backend: bench}
    erased = {}     # (scenario, backend, params) -> (concrete, via make_engine)
    errors = []
    backends = []
    # With repetitions, each benchmark's median aggregate stands for it (robust to one disturbed
    # repetition); otherwise its single run. An error in any repetition is reported.
    all_runs = data.get("benchmarks", [])
    medians = {b["run_name"] for b in all_runs
               if b.get("run_type") == "aggregate" and b.get("aggregate_name") == "median"}
    chosen = []
    for bench in all_runs:
        run_name = bench.get("run_name", bench["name"])
        if bench.get("error_occurred"):
            errors.append(f"{run_name}: {bench.get('error_message', 'error')}")
            continue
        if bench.get("run_type") == "aggregate":
            if bench.get("aggregate_name") == "median":
                chosen.append(dict(bench, name=run_name))
        elif run_name not in medians:
            chosen.append(bench)
    for bench in chosen:
        parsed = parse(bench["name"])
        if parsed is None:
            continue
        scenario, who, params = parsed
        if scenario == "floor":
            floors[who] = bench
        elif scenario == "peer":
            shape = params.removeprefix("shape:")
            counter, _ = PEER_SHAPES.get(shape, (None, None))
            if counter in bench:
                peers.setdefault(shape, {})[who] = float(bench[counter])
        elif scenario == "call" and "ns_per_call" in bench:
            which = 1 if params == "via:make_engine" else 0
            erased.setdefault((scenario, who, ""), [None, None])[which] = bench
        elif scenario in SCENARIOS:
            if params.endswith("via:make_engine"):
                base = params.removesuffix("via:make_engine").rstrip("/")
                erased.setdefault((scenario, who, base), [None, None])[1] = bench
                continue
            if who not in backends:
                backends.append(who)
            groups.setdefault((scenario, params), {})[who] = bench
            if scenario in ("pingpong", "throughput"):
                erased.setdefault((scenario, who, params), [None, None])[0] = bench

    floor_values = {}
    if "cacheline_rtt" in floors:
        floor_values["cacheline_rtt"] = float(floors["cacheline_rtt"]["rtt_ns"])
        floor_values["cacheline_oneway"] = float(floors["cacheline_rtt"]["oneway_ns"])
    if "wake_futex_rtt" in floors:
        floor_values["wake_oneway"] = float(floors["wake_futex_rtt"]["oneway_ns"])

    context = data.get("context", {})
    # Floors the binary measured at start-up stand in when the floor/ benchmarks were filtered out.
    for key, name in (("cacheline_rtt", "wq.floor_cacheline_rtt_ns"),
                      ("cacheline_oneway", "wq.floor_cacheline_oneway_ns"),
                      ("wake_oneway", "wq.floor_wake_oneway_ns")):
        if key not in floor_values and name in context:
            floor_values[key] = float(context[name])
    print()
    print(f"wqbench summary — {context.get('host_name', '?')}, {context.get('num_cpus', '?')} CPUs, "
          f"{context.get('date', '?')}, revision {context.get('wq.git_revision', '?')}, "
          f"{context.get('wq.suite', '?')} suite")
    if floors:
        bits = []
        if "cacheline_rtt" in floors:
            bits.append(f"cache line rtt {human(floor_values['cacheline_rtt'], 'ns')} "
                        f"(one-way {human(floor_values['cacheline_oneway'], 'ns')})")
        if "wake_futex_rtt" in floors:
            bits.append(f"futex wake rtt {human(float(floors['wake_futex_rtt']['rtt_ns']), 'ns')} "
                        f"(one-way {human(floor_values['wake_oneway'], 'ns')})")
        print(f"floors (this run): {';  '.join(bits)}")
    elif floor_values:
        print(f"floors (measured at start-up): cache line rtt "
              f"{human(floor_values.get('cacheline_rtt'), 'ns')};  futex wake one-way "
              f"{human(floor_values.get('wake_oneway'), 'ns')}")
    else:
        print("floors: not in this result file: no ratio to floor below")

    best_peer = {}
    if peers:
        print()
        print("bare peer queues, pointer payload (* best)")
        for shape, values in peers.items():
            _, higher = PEER_SHAPES[shape]
            unit = "/s" if higher else "ns"
            ranked = sorted(values.items(), key=lambda kv: kv[1], reverse=higher)
            best_peer[shape] = ranked[0]
            cells = [f"{'*' if i == 0 else ' '}{q} {human(v, unit)}" for i, (q, v) in enumerate(ranked)]
            print(f"  {shape:<10}" + "   ".join(cells))

    # Columns in the binary's order of back-ends; rows in numeric order of their parameters (a run
    # with random interleaving reports them shuffled).
    order = [b for b in context.get("wq.backends", "").split(",") if b in backends]
    backends = order + [b for b in backends if b not in order]

    def params_key(params):
        key = []
        for part in params.split("/"):
            name, _, value = part.partition(":")
            key.append((name, int(value) if value.isdigit() else 0, value))
        return key

    label_width = 34
    cell = 13
    for scenario, (title, counter, unit, higher, floor_key) in SCENARIOS.items():
        rows = sorted(((params, by) for (s, params), by in groups.items() if s == scenario),
                      key=lambda row: params_key(row[0]))
        if not rows:
            continue
        print()
        print(f"{scenario} — {title} ({'higher' if higher else 'lower'} is better; * winner)")
        header = " " * (2 + label_width) + "".join(f"{b:>{cell}}" for b in backends)
        print(header + "   winner    ×2nd  ×floor  ×peer")
        for params, by in rows:
            values = {b: float(bench[counter]) for b, bench in by.items() if counter in bench}
            if not values:
                continue
            ranked = sorted(values.items(), key=lambda kv: kv[1], reverse=higher)
            winner, best = ranked[0]
            line = f"  {short(params) or '-':<{label_width}}"
            for backend in backends:
                mark = "*" if backend == winner else " "
                text = mark + human(values.get(backend), unit) if backend in values else "-"
                line += f"{text:>{cell}}"
            second = ""
            if len(ranked) > 1 and best:
                ratio = (best / ranked[1][1]) if higher else (ranked[1][1] / best)
                second = f"{ratio:.2f}"
            to_floor = ""
            if floor_key == "burst_ideal":
                if "ratio_to_floor" in by[winner]:
                    to_floor = f"{float(by[winner]['ratio_to_floor']):.2f}"
            elif floor_key in floor_values and floor_values[floor_key] > 0:
                to_floor = f"{best / floor_values[floor_key]:.1f}"
            to_peer = ""
            peer = None
            if scenario == "pingpong":
                peer = best_peer.get("pingpong")
            elif scenario == "throughput" and params.startswith("producers:1/workers:1/work_ns:0/"):
                peer = best_peer.get("1p1c")
            if peer and best:
                to_peer = f"{(peer[1] / best) if higher else (best / peer[1]):.2f}"
            print(f"{line}   {winner:<8}{second:>6}{to_floor:>8}{to_peer:>7}")
        if scenario == "cpu":
            # The worst idle interval the back-end showed after any of the loads above.
            idle = {}
            for _, by in rows:
                for backend, bench in by.items():
                    if "idle_cpu_pct" in bench:
                        idle[backend] = max(idle.get(backend, 0.0), float(bench["idle_cpu_pct"]))
            cells = "".join(f"{(f'{idle[b]:.2f}%' if b in idle else '-'):>{cell}}" for b in backends)
            print(f"  {'idle CPU burn (% of a core, worst)':<{label_width}}{cells}")
        if scenario == "wakeup":
            parked = {b: by.get("parked_pct") for params, rows_by in rows for b, by in rows_by.items()}
            cells = "".join(f"{(f'{float(parked[b]):.0f}%' if parked.get(b) is not None else 'n/a'):>{cell}}"
                            for b in backends)
            print(f"  {'samples that woke a parked worker':<{label_width}}{cells}")

    pairs = [(k, v) for k, v in erased.items() if v[0] is not None and v[1] is not None]
    if pairs:
        print()
        print("type-erased make_engine vs the concrete type: the virtual hop")
        print(f"  {'':<22}{'concrete':>12}{'make_engine':>14}{'difference':>13}")
        pairs.sort(key=lambda kv: (kv[0][0] != "call", kv[0][0],
                                   backends.index(kv[0][1]) if kv[0][1] in backends else 99))
        for (scenario, backend, params), (concrete, via) in pairs:
            counter = "ns_per_call" if scenario == "call" else SCENARIOS[scenario][1]
            a, b = float(concrete[counter]), float(via[counter])
            what = "put call" if scenario == "call" else f"{scenario} rtt"
            print(f"  {what:<13}{backend:<9}{human_precise(a):>12}{human_precise(b):>14}"
                  f"{b - a:>+10.1f} ns")

    print()
    print("×2nd: winner's lead over the runner-up; ×floor: winner over this run's floor; ×peer: "
          "winner over the best bare queue (>1 = slower).")
    repetitions = max((int(b.get("repetitions", 1)) for b in all_runs), default=1)
    if repetitions > 1:
        print(f"Medians of {repetitions} repetitions (interleaved when the run used "
              "--benchmark_enable_random_interleaving); spread in the JSON's _cv rows.")
    else:
        print("One repetition on a shared machine: leads under ~10% are within noise "
              "(repeat with --benchmark_repetitions=N).")
    if errors:
        print()
        print("benchmarks that failed:")
        for line in errors:
            print(f"  {line}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
