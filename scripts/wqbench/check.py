"""python3 -m wqbench check — the smoke check of a wq_bench result file: every benchmark ran (none
skipped by error), every name follows its row of the scenario table (bench/scenarios.json) and
carries that row's counters, every scenario has a result for every back-end the run could use
(the run's own catalogue) with the same parameter sets, each complete (every word of a {a|b},
both forms of an optional part), the OS's own MF ran every row that names it (system_mf, on an
OS that has one: Windows' mfplat.dll) with the back-ends' parameter sets less its "without",
every floor ran, every peer queue given ran, every calibration engine of the run's context
ran in each scenario that hosts them (and in no other), and every benchmark is covered by a rule of
the regression policy (bench/regression-policy.toml) unless its row says why not ("ungated"): no
family is left out of scripts/compare by omission.

  python3 -m wqbench check RESULTS.json --peers moodycamel,atomic_queue
  python3 -m wqbench check RESULTS.json --workload SUFFIX [SUFFIX ...]
  python3 -m wqbench check RESULTS.json --calibration

The second form checks a --wq_workload run: workload/<b>/SUFFIX for every back-end and suffix
given, and nothing else; the third a run of the calibration engines alone (ctest
bench.calibration), whose order the first form checks too. Exit 0 all well, 1 a problem (each printed as FAIL ...), 2 bad input.
"""
import json

from wqbench.cli import InputError, Parser, run
from wqbench.gate import DEFAULT_POLICY, load_policy, rule_for
from wqbench.table import (backend_catalogue, calibration_engines, load_table, parse,
                           run_os, stable_name)


def load_rows(path):
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as error:
        raise InputError(f"cannot read results file '{path}': {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise InputError(f"results file '{path}' is not Google Benchmark JSON")
    return data


def check_rows(data, scenarios, catalogue, calibration=()):
    """(problems, {(scenario name, subject): [(params, match)]}) over every result row."""
    problems, seen = [], {}
    for bench in data["benchmarks"]:
        if bench.get("run_type", "iteration") != "iteration":
            continue  # mean/median/stddev/cv of repetitions: derived from the rows checked here
        name = stable_name(bench["name"])
        if bench.get("error_occurred"):
            problems.append(f"{name}: skipped with error: {bench.get('error_message')}")
            continue
        parsed = parse(name, scenarios)
        if parsed is None:
            problems.append(f"{name}: not a documented benchmark name (bench/scenarios.json)")
            continue
        scenario, subject, params, match = parsed
        observable = False
        if scenario.subject == "backend" and subject in calibration:
            if not scenario.calibration:
                problems.append(f"{name}: calibration engine '{subject}' in a scenario that does "
                                f"not host them (bench/scenarios.json \"calibration\")")
                continue
        elif scenario.subject == "backend" and subject == scenario.system_subject:
            if not scenario.system_runs(params):
                problems.append(f"{name}: the OS's own MF ran params its row leaves out "
                                f"(bench/scenarios.json \"system_mf\" \"without\")")
                continue
        elif scenario.subject == "backend":
            if subject not in catalogue:
                problems.append(f"{name}: back-end '{subject}' is not in the run's catalogue")
                continue
            observable = bool(catalogue[subject].get("parks_observable"))
        missing = scenario.required_counters(params, observable, subject) - set(bench)
        if missing:
            problems.append(f"{name}: missing counters {sorted(missing)}")
        seen.setdefault((scenario.name, subject), []).append((params, match))
    return problems, seen


def check_gating(data, scenarios, policy, calibration=()):
    """Every benchmark of the run is covered by a rule of the regression policy, or its scenario's
    row says on purpose why it is not tracked ("ungated"): no family is ungated by omission. One
    problem per family, naming the first benchmark found."""
    problems, reported = [], set()
    for bench in data["benchmarks"]:
        name = stable_name(bench["name"])
        parsed = parse(name, scenarios)
        if parsed is None or bench.get("error_occurred"):
            continue  # check_rows names those
        scenario, subject = parsed[0], parsed[1]
        if scenario.name in reported or scenario.row.get("ungated") or subject in calibration:
            continue
        if rule_for(policy, name) is None:
            reported.add(scenario.name)
            problems.append(f"{name}: no rule of bench/regression-policy.toml covers it, and "
                            f"its row in bench/scenarios.json gives no \"ungated\" reason: "
                            f"{scenario.name}/ would be compared by nothing")
    return problems


def check_coverage(scenarios, seen, backends, peers, calibration=()):
    problems = []
    for scenario in scenarios:
        if scenario.on_demand:
            continue
        if scenario.calibration:
            problems += [f"{scenario.name}: no results for calibration engine {engine}"
                         for engine in calibration if (scenario.name, engine) not in seen]
        if scenario.subject == "floor":
            expected = set(scenario.subjects)
            ran = {f"{scenario.name}/{subject}{params}" for (name, subject), runs in seen.items()
                   if name == scenario.name for params, _ in runs}
            problems += [f"{name}: did not run" for name in sorted(set(scenario.names or ()) - ran)]
        elif scenario.subject == "peer":
            expected = set(peers)
        else:
            expected = set(backends)
        system = scenario.system_subject if scenario.subject == "backend" else None
        if system:
            expected.add(system)
        got = {subject for (name, subject) in seen if name == scenario.name}
        for subject in sorted(expected - got):
            problems.append(f"{scenario.name}: no results for {subject}")
        reference = None
        # The back-ends first: the OS's own MF is held to what they ran, less its "without".
        for subject in sorted(expected & got, key=lambda s: (s == system, s)):
            runs = seen[(scenario.name, subject)]
            params = {p for p, _ in runs}
            if subject == system:
                wanted = {p for p in (reference[1] if reference else ()) if scenario.system_runs(p)}
                if reference is not None and params != wanted:
                    problems.append(f"{scenario.name}: {subject} (the OS's own MF) ran "
                                    f"{sorted(params)}, expected {sorted(wanted)}")
                continue
            if reference is None:
                reference = (subject, params)
            elif scenario.subject == "backend" and params != reference[1]:
                problems.append(f"{scenario.name}: {subject} ran {sorted(params)}, "
                                f"{reference[0]} ran {sorted(reference[1])}")
            for index, wanted in enumerate(scenario.enumerations):
                if wanted is None:
                    continue
                shown = {match.group(index + 1) for _, match in runs}
                if shown != wanted:
                    absent = sorted(str(w) for w in wanted - shown)
                    problems.append(f"{scenario.name}/{subject}: no result with "
                                    f"{' or '.join(absent)} (every form of {scenario.params})")
    return problems


def check_calibration(data, scenarios, engines):
    """Every delayed calibration engine reports at least its known delay, in the counter (ns) and
    at the params each hosting row names: the harness shows a known delay as such. A lower bound
    only — load can only add to a time, so the check holds on a busy machine (comparing the
    delayed engine with the undelayed one would not: a starved undelayed run can come out
    slower) — and each engine must have run there."""
    values = {}
    for bench in data["benchmarks"]:
        if bench.get("run_type", "iteration") != "iteration" or bench.get("error_occurred"):
            continue
        parsed = parse(stable_name(bench["name"]), scenarios)
        if parsed is None or parsed[1] not in engines or not parsed[0].calibration:
            continue
        scenario, subject, params = parsed[:3]
        spec = scenario.calibration
        if spec.get("params", "") in params and spec["counter"] in bench:
            values.setdefault((scenario.name, params), {}).setdefault(subject, []).append(
                float(bench[spec["counter"]]))
    problems = []
    for scenario in scenarios:
        if scenario.calibration and not any(name == scenario.name for name, _ in values):
            problems.append(f"{scenario.name}: no calibration results at "
                            f"'{scenario.calibration.get('params', '')}'")
    for (name, params), by in sorted(values.items()):
        medians = {engine: sorted(v)[len(v) // 2] for engine, v in by.items()}
        for engine in sorted(engines):
            if engine not in medians:
                problems.append(f"{name}/{engine}{params}: did not run")
            elif medians[engine] < float(engines[engine].get("delay_ns") or 0):
                problems.append(f"{name}/{engine}{params}: {medians[engine]:g} ns is below its "
                                f"{engines[engine]['delay_ns']} ns delay: the harness does not "
                                f"report it")
    return problems


def check_workloads(seen, backends, suffixes):
    problems = []
    got = {(subject, params) for (name, subject), runs in seen.items() if name == "workload"
           for params, _ in runs}
    expected = {(b, "/" + s) for b in backends for s in suffixes}
    for backend, params in sorted(expected - got):
        problems.append(f"workload/{backend}{params}: did not run")
    for backend, params in sorted(got - expected):
        problems.append(f"workload/{backend}{params}: ran, but was not asked for")
    others = sorted({name for (name, _) in seen if name != "workload"})
    if others:
        problems.append(f"scenarios other than workload ran: {', '.join(others)}")
    return problems


def check(argv):
    parser = Parser(prog="python3 -m wqbench check", description=__doc__)
    parser.add_argument("results")
    parser.add_argument("--peers", default="", help="comma-separated peer queues that must run")
    parser.add_argument("--workload", nargs="+", metavar="SUFFIX",
                        help="check a --wq_workload run with these suffixes instead")
    parser.add_argument("--calibration", action="store_true",
                        help="check a run of the calibration engines alone: each ran where its "
                             "scenarios host it, and a delayed one reports at least its delay")
    args = parser.parse_args(argv)
    data = load_rows(args.results)
    scenarios = load_table(os_name=run_os(data))
    catalogue = backend_catalogue(data.get("context", {}))
    backends = sorted(name for name, facts in catalogue.items() if facts.get("available"))
    engines = calibration_engines(data.get("context", {}))
    problems, seen = check_rows(data, scenarios, catalogue, sorted(engines))
    problems += check_gating(data, scenarios, load_policy(DEFAULT_POLICY), sorted(engines))
    if args.workload:
        problems += check_workloads(seen, backends, args.workload)
    elif args.calibration:
        if not engines:
            raise InputError(f"results file '{args.results}' lists no calibration engines "
                             "(wq.calibration_engines): not a run of this wq_bench")
        problems += check_calibration(data, scenarios, engines)
    else:
        problems += check_coverage(scenarios, seen, backends,
                                   [p for p in args.peers.split(",") if p], sorted(engines))
        problems += check_calibration(data, scenarios, engines) if engines else []
    for problem in problems:
        print(f"FAIL {problem}")
    count = len(data["benchmarks"])
    print(f"{count} benchmarks checked against {len(backends)} back-ends "
          f"({', '.join(backends)}), {len(problems)} problems")
    return 1 if problems or count == 0 or not backends else 0


def main(argv):
    return run(check, argv)
