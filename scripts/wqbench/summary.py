"""python3 -m wqbench summary RESULTS.json — the ten-second summary of a wqbench result file: per
scenario, a row per parameter set with every back-end's figure side by side, the winner starred,
and the winner's ratio to this run's floor and to the best bare peer queue. What is ranked, how,
and against which floor comes from the scenario table (bench/scenarios.json).

Exit 0; 2 when the file cannot be read or a benchmark in it failed (listed at the end).
Standard library only (runs on any python3).
"""
from wqbench.cli import BAD_INPUT, OK, Parser, run
from wqbench.fmt import human, human_precise, short
from wqbench.results import load, rows_by_name
from wqbench.table import calibration_engines, load_table, parse, run_os, wine_note

LABEL_WIDTH = 34
CELL = 13


def chosen_rows(data):
    """(rows, errors): with repetitions, each benchmark's median aggregate stands for it (robust to
    one disturbed repetition); otherwise its single run. An error in any repetition is reported."""
    runs = data["benchmarks"]
    medians = {b["run_name"] for b in runs
               if b.get("run_type") == "aggregate" and b.get("aggregate_name") == "median"}
    rows, errors = [], []
    for bench in runs:
        run_name = bench.get("run_name", bench["name"])
        if bench.get("error_occurred"):
            errors.append(f"{run_name}: {bench.get('error_message', 'error')}")
        elif bench.get("run_type") == "aggregate":
            if bench.get("aggregate_name") == "median":
                rows.append(dict(bench, name=run_name))
        elif run_name not in medians:
            rows.append(bench)
    return rows, errors


class Run:
    """One result file's figures, grouped the way the summary prints them."""

    def __init__(self, data, scenarios):
        self.context = data.get("context", {})
        self.scenarios = scenarios
        self.rows, self.errors = chosen_rows(data)
        self.floors = {}   # "floor/<subject>" -> row
        self.peers = {}    # shape params -> {queue: value}
        self.groups = {}   # (scenario, params) -> {backend: row}
        self.twins = {}    # (scenario, backend, base params) -> [concrete row, make_engine row]
        self.calibration_engines = calibration_engines(self.context)
        self.calibration = {}  # (scenario, params) -> {calibration engine: row}
        self.backends = []
        for row in self.rows:
            parsed = parse(row["name"], scenarios)
            if parsed is not None:
                self._add(row, *parsed[:3])
        # Floors in the table's order (a run with random interleaving reports them shuffled).
        names = next((s.names or [] for s in scenarios if s.subject == "floor"), [])
        self.floors = dict(sorted(self.floors.items(), key=lambda kv: (
            names.index(kv[0]) if kv[0] in names else len(names))))
        order = [b for b in self.context.get("wq.backends", "").split(",") if b in self.backends]
        self.backends = order + [b for b in self.backends if b not in order]

    def _add(self, row, scenario, subject, params):
        if scenario.subject == "floor":
            self.floors[f"floor/{subject}{params}"] = row
        elif scenario.subject == "peer":
            key = scenario.key_for(params)
            if key and key["counter"] in row:
                self.peers.setdefault(params, {})[subject] = (float(row[key["counter"]]), key)
        elif subject in self.calibration_engines:
            self.calibration.setdefault((scenario, params), {})[subject] = row
        elif "/via:make_engine" in params:
            base = params.replace("/via:make_engine", "")
            self.twins.setdefault((scenario, subject, base), [None, None])[1] = row
        elif "/via:concrete" in params:
            self.twins.setdefault((scenario, subject, ""), [None, None])[0] = row
        elif scenario.key_for(params) and not scenario.on_demand:
            if subject not in self.backends:
                self.backends.append(subject)
            self.groups.setdefault((scenario.name, params), {})[subject] = row
            self.twins.setdefault((scenario, subject, params), [None, None])[0] = row

    def floor_value(self, floor):
        """A floor spec's value in this run (the floor benchmark, else the start-up figure)."""
        row = self.floors.get(floor.get("benchmark"))
        if row is not None and floor.get("counter") in row:
            return float(row[floor["counter"]])
        if floor.get("context") in self.context:
            return float(self.context[floor["context"]])
        return None

    def best_peer(self, shape):
        values = self.peers.get(f"/shape:{shape}", {})
        if not values:
            return None
        higher = next(iter(values.values()))[1]["better"] == "higher"
        return sorted(values.items(), key=lambda kv: kv[1][0], reverse=higher)[0]


def header_lines(run):
    context = run.context
    lines = ["", f"wqbench summary — {context.get('host_name', '?')}, "
                 f"{context.get('num_cpus', '?')} CPUs, {context.get('date', '?')}, revision "
                 f"{context.get('wq.git_revision', '?')}, {context.get('wq.suite', '?')} suite"
                 + (f", {context['wq.selection']} selection" if "wq.selection" in context else "")]
    if note := wine_note({"context": context}):
        lines.append(f"** {note} **")
    floor_row = next((s for s in run.scenarios if s.subject == "floor"), None)
    labels = floor_row.row.get("labels", {}) if floor_row else {}
    if run.floors:
        bits = [f"{labels.get(name.split('/')[1], name)} {human(float(row['rtt_ns']), 'ns')} "
                f"(one-way {human(float(row['oneway_ns']), 'ns')})"
                for name, row in run.floors.items() if "rtt_ns" in row and "oneway_ns" in row]
        lines.append(f"floors (this run): {';  '.join(bits)}")
        idle = {}  # one line per idle-wake floor (the address wait's, the event's)
        for name, row in run.floors.items():
            if "/idle_us:" in name and "oneway_ns" in row:
                idle.setdefault(name.split("/")[1], []).append(
                    (int(name.rsplit(":", 1)[1]), float(row["oneway_ns"])))
        for subject, gaps in idle.items():
            label = labels.get(subject, subject)
            lines.append(f"                   {label} (one-way p50): " + ",  ".join(
                f"{human(gap * 1e3, 'ns')} → {human(value, 'ns')}" for gap, value in sorted(gaps)))
    else:
        specs = [s.floor_for(params) for s in run.scenarios
                 for params in [""] + [p.pattern for p, _ in s.floor_by_param]]
        specs = [spec for spec in specs if spec and "benchmark" in spec]
        known = [(spec, run.floor_value(spec)) for spec in specs]
        known = [(spec, value) for spec, value in known if value is not None]
        if known:
            lines.append("floors (measured at start-up): " + ";  ".join(
                f"{spec['benchmark']} {spec['counter']} {human(value, 'ns')}"
                for spec, value in dict((s["context"], (s, v)) for s, v in known).values()))
        else:
            lines.append("floors: not in this result file: no ratio to floor below")
    return lines


def peer_lines(run):
    if not run.peers:
        return []
    lines = ["", "bare peer queues, pointer payload (* best)"]
    # The shapes in the table's order ("/shape:{pingpong|stream|...}").
    grammar = next((s.params for s in run.scenarios if s.subject == "peer"), "")
    shapes = grammar.partition("{")[2].rstrip("}").split("|")
    for params, values in sorted(run.peers.items(), key=lambda kv: (
            shapes.index(kv[0].removeprefix("/shape:"))
            if kv[0].removeprefix("/shape:") in shapes else len(shapes))):
        higher = next(iter(values.values()))[1]["better"] == "higher"
        unit = "/s" if higher else "ns"
        ranked = sorted(values.items(), key=lambda kv: kv[1][0], reverse=higher)
        cells = [f"{'*' if i == 0 else ' '}{q} {human(v[0], unit)}"
                 for i, (q, v) in enumerate(ranked)]
        lines.append(f"  {params.removeprefix('/shape:'):<10}" + "   ".join(cells))
    return lines


def harness_lines(run):
    """The calibration engines' figures: the harness's own overhead (the undelayed engine) and how
    far a known delay moved it (each delayed one), per scenario that hosts them."""
    engines = run.calibration_engines
    base = next((name for name, entry in engines.items() if not entry.get("delay_ns")), None)
    if not run.calibration or base is None:
        return []
    lines = ["", "harness overhead — calibration engines, never ranked (bench/calibration.hpp)"]
    for (scenario, params), by in sorted(run.calibration.items(),
                                         key=lambda kv: run.scenarios.index(kv[0][0])):
        spec = scenario.calibration or {}
        counter = spec.get("counter")
        if spec.get("params", "") not in params or base not in by or counter not in by[base]:
            continue
        overhead = float(by[base][counter])
        cells = [f"{base} {human(overhead, 'ns')}"]
        for name, entry in engines.items():
            delay = float(entry.get("delay_ns") or 0)
            if name == base or not delay or counter not in by.get(name, {}):
                continue
            moved = float(by[name][counter]) - overhead
            cells.append(f"{name} {human(overhead + moved, 'ns')}: +{human(moved, 'ns')} for a "
                         f"{human(delay, 'ns')} delay ({100 * (moved - delay) / delay:+.1f}%)")
        lines.append(f"  {scenario.name + params + ' ' + counter:<40}" + ";  ".join(cells))
    return lines


def params_key(params):
    key = []
    for part in params.strip("/").split("/"):
        name, _, value = part.partition(":")
        key.append((name, int(value) if value.isdigit() else 0, value))
    return key


def ratio_cells(run, scenario, params, by, winner, ranked, higher):
    """(×2nd, ×floor, ×peer) texts for one row."""
    best = ranked[0][1]
    second = ""
    if len(ranked) > 1 and best:
        second = f"{(best / ranked[1][1]) if higher else (ranked[1][1] / best):.2f}"
    to_floor = ""
    floor = scenario.floor_for(params) or {}
    if "counter_of_winner" in floor:
        if floor["counter_of_winner"] in by[winner]:
            to_floor = f"{float(by[winner][floor['counter_of_winner']]):.2f}"
    elif floor:
        value = run.floor_value(floor)
        if value:
            to_floor = f"{best / value:.1f}"
    to_peer = ""
    peer = scenario.peer
    if peer and params.startswith(peer.get("params", "")) and best:
        found = run.best_peer(peer["shape"])
        if found:
            to_peer = f"{(found[1][0] / best) if higher else (best / found[1][0]):.2f}"
    return second, to_floor, to_peer


def footer_line(run, scenario, rows):
    footer = scenario.row.get("footer")
    if not footer:
        return []
    worst = {}
    for _, by in rows:
        for backend, row in by.items():
            if footer["counter"] in row:
                worst[backend] = max(worst.get(backend, 0.0), float(row[footer["counter"]]))
    decimals, missing = footer["decimals"], footer["missing"]
    cells = "".join(f"{(f'{worst[b]:.{decimals}f}%' if b in worst else missing):>{CELL}}"
                    for b in run.backends)
    return [f"  {footer['label']:<{LABEL_WIDTH}}{cells}"]


def scenario_lines(run, scenario):
    rows = sorted(((params, by) for (name, params), by in run.groups.items()
                   if name == scenario.name), key=lambda row: params_key(row[0]))
    if not rows:
        return []
    if scenario.key:
        better = f"{scenario.key['better']} is better"
    else:  # the key depends on the params (key_by_param): each row says which
        better = "each row: its key, " + ", ".join(sorted(
            {f"{key['counter']} {key['better']}" for _, key in scenario.key_by_param}))
    lines = ["", f"{scenario.name} — {scenario.title} ({better}; * winner)",
             " " * (2 + LABEL_WIDTH) + "".join(f"{b:>{CELL}}" for b in run.backends)
             + "   winner    ×2nd  ×floor  ×peer"]
    for params, by in rows:
        key = scenario.key_for(params)
        counter, higher = key["counter"], key["better"] == "higher"
        unit = "/s" if higher else "ns"
        values = {b: float(row[counter]) for b, row in by.items() if counter in row}
        if not values:
            continue
        ranked = sorted(values.items(), key=lambda kv: kv[1], reverse=higher)
        winner = ranked[0][0]
        line = f"  {short(params) or '-':<{LABEL_WIDTH}}"
        for backend in run.backends:
            text = ("*" if backend == winner else " ") + human(values[backend], unit) \
                if backend in values else "-"
            line += f"{text:>{CELL}}"
        second, to_floor, to_peer = ratio_cells(run, scenario, params, by, winner, ranked, higher)
        lines.append(f"{line}   {winner:<8}{second:>6}{to_floor:>8}{to_peer:>7}")
    return lines + footer_line(run, scenario, rows)


def twin_lines(run):
    pairs = [(k, v) for k, v in run.twins.items() if v[0] is not None and v[1] is not None]
    if not pairs:
        return []
    lines = ["", "type-erased make_engine vs the concrete type: the virtual hop",
             f"  {'':<22}{'concrete':>12}{'make_engine':>14}{'difference':>13}"]
    position = {b: i for i, b in enumerate(run.backends)}
    pairs.sort(key=lambda kv: (kv[0][0].name != "call", kv[0][0].name,
                               position.get(kv[0][1], 99)))
    for (scenario, backend, base), (concrete, erased) in pairs:
        counter = scenario.key_for(base)["counter"]
        a, b = float(concrete[counter]), float(erased[counter])
        what = "put call" if counter == "ns_per_call" else f"{scenario.name} rtt"
        difference = ("+" if b >= a else "-") + human_precise(abs(b - a))
        lines.append(f"  {what:<13}{backend:<9}{human_precise(a):>12}{human_precise(b):>14}"
                     f"{difference:>13}")
    return lines


def floor_lines(scenarios):
    """Which floor bounds which scenario (the table's floor specs)."""
    lines = []
    for scenario in scenarios:
        if scenario.subject != "backend" or not (scenario.floor or scenario.floor_by_param):
            continue
        parts = [scenario.floor.get("label", "")] if scenario.floor else []
        for pattern, floor in scenario.floor_by_param:
            params = pattern.pattern.replace("(?=/|$)", "").strip("/").replace(chr(92), "")
            parts.append(f"{params}: {floor.get('label', '')}")
        lines.append(f"  {scenario.name:<11}÷ {'; '.join(parts)}")
    return lines


def closing_lines(run, data):
    lines = ["", "×2nd: winner's lead over the runner-up; ×floor: winner over this run's floor; "
                 "×peer: winner over the best bare queue (>1 = slower). The floors:"]
    lines += floor_lines(run.scenarios)
    repetitions = max((int(b.get("repetitions", 1)) for b in data["benchmarks"]), default=1)
    if repetitions > 1:
        lines.append(f"Medians of {repetitions} repetitions (interleaved when the run used "
                     "--benchmark_enable_random_interleaving); spread in the JSON's _cv rows.")
    else:
        lines.append("One repetition on a shared machine: leads under ~10% are within noise "
                     "(repeat with --benchmark_repetitions=N).")
    if run.errors:
        lines += ["", "benchmarks that failed:"] + [f"  {line}" for line in run.errors]
    return lines


# Without repetitions to compare, a lead below this is within the noise of this machine kind.
NOISE_LEAD = 1.10


def separable(best, other, higher, lead):
    """Whether a lead stands: every repetition of the winner beats every one of the runner-up's
    (no overlap, distribution-free), or — a single repetition each — a lead of NOISE_LEAD."""
    if len(best) > 1 and len(other) > 1:
        return min(best) > max(other) if higher else max(best) < min(other)
    return lead >= NOISE_LEAD


def row_verdict(run, samples, scenario, params, by):
    """(label, winner or None when not separable, lead over the runner-up, runner-up)."""
    key = scenario.key_for(params)
    counter, higher = key["counter"], key["better"] == "higher"
    values = {b: float(row[counter]) for b, row in by.items() if counter in row}
    if len(values) < 2:
        return None
    ranked = sorted(values.items(), key=lambda kv: kv[1], reverse=higher)
    (first, best), (second, next_best) = ranked[0], ranked[1]
    if not best or not next_best:
        return None
    lead = best / next_best if higher else next_best / best

    def of(backend):
        return [float(row[counter]) for row in samples.get(f"{scenario.name}/{backend}{params}", [])
                if counter in row]
    stands = separable(of(first), of(second), higher, lead)
    return short(params) or scenario.name, first if stands else None, lead, second


def headline_lines(run, data):
    """Which back-end leads each family of this run, by how much, and where the run cannot tell
    the best two apart: the decision guide's answer from this run's own data."""
    samples = rows_by_name(data)[0]
    lines = ["", "who leads, family by family (the runner-up's median ÷ the winner's; "
                 "'not separable': the best two's repetitions overlap)"]
    for scenario in run.scenarios:
        if scenario.subject != "backend":
            continue
        verdicts = [row_verdict(run, samples, scenario, params, by)
                    for (name, params), by in sorted(run.groups.items(),
                                                     key=lambda kv: params_key(kv[0][1]))
                    if name == scenario.name]
        verdicts = [v for v in verdicts if v]
        if not verdicts:
            continue
        leaders = {}
        for label, winner, lead, second in verdicts:
            if winner:
                leaders.setdefault(winner, []).append((label, lead, second))
        parts = []
        for winner, won in sorted(leaders.items(), key=lambda kv: -len(kv[1])):
            leads = [lead for _, lead, _ in won]
            if len(verdicts) == 1:
                label, lead, second = won[0]
                parts.append(f"{winner}, {lead:.2f}× ahead of {second}")
            elif len(won) == 1:
                label, lead, second = won[0]
                parts.append(f"{winner} in {label} ({lead:.2f}× {second})")
            else:
                span = (f"{min(leads):.2f}×" if min(leads) == max(leads)
                        else f"{min(leads):.2f}–{max(leads):.2f}×")
                parts.append(f"{winner} in {len(won)} of {len(verdicts)} ({span})")
        ties = [f"{label}" if len(verdicts) > 1 else "the best two"
                for label, winner, _, _ in verdicts if winner is None]
        if ties:
            parts.append("not separable: " + ", ".join(ties))
        lines.append(f"  {scenario.name:<10} " + "; ".join(parts))
    return lines if len(lines) > 2 else []


def render(data):
    """(the summary's text, whether every benchmark ran) for parsed result-file data."""
    scenarios = load_table(os_name=run_os(data))
    run = Run(data, scenarios)
    lines = header_lines(run) + headline_lines(run, data) + peer_lines(run) + harness_lines(run)
    for scenario in scenarios:
        if scenario.subject == "backend":
            lines += scenario_lines(run, scenario)
    lines += twin_lines(run) + closing_lines(run, data)
    return "\n".join(lines) + "\n", not run.errors


def headline(data):
    """(the header and the headline, whether every benchmark ran)."""
    run = Run(data, load_table(os_name=run_os(data)))
    lines = header_lines(run) + headline_lines(run, data)
    if run.errors:
        lines += ["", f"{len(run.errors)} benchmarks failed (scripts/summary lists them)"]
    return "\n".join(lines) + "\n", not run.errors


def summary(argv):
    parser = Parser(prog="scripts/summary", description=__doc__)
    parser.add_argument("results", help="a wq_bench result file (results/latest.json, ...)")
    parser.add_argument("--headline", action="store_true",
                        help="only the header and who leads each family, by how much, and "
                             "where the run cannot separate the best two")
    args = parser.parse_args(argv)
    data = load(args.results)
    text, complete = (headline(data) if args.headline else render(data))
    print(text, end="")
    return OK if complete else BAD_INPUT


def main(argv):
    return run(summary, argv)
