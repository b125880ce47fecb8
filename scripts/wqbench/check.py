"""python3 -m wqbench check — the smoke check of a wq_bench result file: every benchmark ran (none
skipped by error), every name follows its row of the scenario table (bench/scenarios.json) and
carries that row's counters, every scenario has a result for every back-end the run could use
(the run's own catalogue) with the same parameter sets, each complete (every word of a {a|b},
both forms of an optional part), every floor ran, and every peer queue given ran.

  python3 -m wqbench check RESULTS.json --peers moodycamel,atomic_queue
  python3 -m wqbench check RESULTS.json --workload SUFFIX [SUFFIX ...]

The second form checks a --wq_workload run: workload/<b>/SUFFIX for every back-end and suffix
given, and nothing else. Exit 0 all well, 1 a problem (each printed as FAIL ...), 2 bad input.
"""
import json

from wqbench.cli import InputError, Parser, run
from wqbench.table import backend_catalogue, load_table, parse, stable_name


def load_rows(path):
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as error:
        raise InputError(f"cannot read results file '{path}': {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise InputError(f"results file '{path}' is not Google Benchmark JSON")
    return data


def check_rows(data, scenarios, catalogue):
    """(problems, {(scenario name, subject): [(params, match)]}) over every result row."""
    problems, seen = [], {}
    for bench in data["benchmarks"]:
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
        if scenario.subject == "backend":
            if subject not in catalogue:
                problems.append(f"{name}: back-end '{subject}' is not in the run's catalogue")
                continue
            observable = bool(catalogue[subject].get("parks_observable"))
        missing = scenario.required_counters(params, observable, subject) - set(bench)
        if missing:
            problems.append(f"{name}: missing counters {sorted(missing)}")
        seen.setdefault((scenario.name, subject), []).append((params, match))
    return problems, seen


def check_coverage(scenarios, seen, backends, peers):
    problems = []
    for scenario in scenarios:
        if scenario.on_demand:
            continue
        if scenario.subject == "floor":
            expected = set(scenario.subjects)
            ran = {f"{scenario.name}/{subject}{params}" for (name, subject), runs in seen.items()
                   if name == scenario.name for params, _ in runs}
            problems += [f"{name}: did not run" for name in sorted(set(scenario.names or ()) - ran)]
        elif scenario.subject == "peer":
            expected = set(peers)
        else:
            expected = set(backends)
        got = {subject for (name, subject) in seen if name == scenario.name}
        for subject in sorted(expected - got):
            problems.append(f"{scenario.name}: no results for {subject}")
        reference = None
        for subject in sorted(expected & got):
            runs = seen[(scenario.name, subject)]
            params = {p for p, _ in runs}
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
    args = parser.parse_args(argv)
    scenarios = load_table()
    data = load_rows(args.results)
    catalogue = backend_catalogue(data.get("context", {}))
    backends = sorted(name for name, facts in catalogue.items() if facts.get("available"))
    problems, seen = check_rows(data, scenarios, catalogue)
    if args.workload:
        problems += check_workloads(seen, backends, args.workload)
    else:
        problems += check_coverage(scenarios, seen, backends,
                                   [p for p in args.peers.split(",") if p])
    for problem in problems:
        print(f"FAIL {problem}")
    count = len(data["benchmarks"])
    print(f"{count} benchmarks checked against {len(backends)} back-ends "
          f"({', '.join(backends)}), {len(problems)} problems")
    return 1 if problems or count == 0 or not backends else 0


def main(argv):
    return run(check, argv)
