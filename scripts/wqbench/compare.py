"""scripts/compare — compare two wqbench result files benchmark by benchmark and decide.

Usage: scripts/compare BASE.json NEW.json [--policy FILE] [--export-gab-smaller FILE]
                       [--export-gab-bigger FILE] [--export-bmf FILE]

For every benchmark in both files and every metric its policy rule names (real_time and counters:
rates, percentiles, round trips), it compares the medians of the repetitions and tests the
difference with the Mann-Whitney U-test of Google Benchmark's compare.py (Debian's
libbenchmark-tools). Verdict per row: faster, slower, no change, or too noisy (a change of at least
the threshold that the test cannot confirm). The policy — thresholds, alpha, which benchmarks gate
and which only warn — is bench/regression-policy.toml.

Exit status: 0 nothing gated regressed; 1 a gated benchmark is slower; 2 bad input (a missing or
unreadable file, a bad policy); 3 inconclusive: gated benchmarks could not be tested (fewer
repetitions a side than the policy's min_repetitions; it says how many are needed) — docs/cli.md.

Exports (of NEW's medians, for services users already run):
  --export-gab-smaller / --export-gab-bigger   github-action-benchmark's customSmallerIsBetter and
                                               customBiggerIsBetter files
  --export-bmf                                 Bencher Metric Format

Runs with Debian's /usr/bin/python3 (python3-scipy). Example:
  scripts/compare results/vm/old.json results/latest.json
"""
import statistics

from wqbench.cli import Parser, run
from wqbench.gate import (DEFAULT_POLICY, export, finish, load_policy, print_report, rule_for,
                          samples_of, verdict)
from wqbench.results import load


def compare(argv):
    parser = Parser(prog="scripts/compare", description=__doc__.split("\n\n", 1)[1])
    parser.add_argument("base")
    parser.add_argument("new")
    parser.add_argument("--policy", default=str(DEFAULT_POLICY))
    parser.add_argument("--export-gab-smaller", metavar="FILE")
    parser.add_argument("--export-gab-bigger", metavar="FILE")
    parser.add_argument("--export-bmf", metavar="FILE")
    args = parser.parse_args(argv)
    policy = load_policy(args.policy)
    base_data, new_data = load(args.base), load(args.new)
    base_samples, base_errors = samples_of(base_data)
    new_samples, new_errors = samples_of(new_data)

    rows, notes, untested = [], [], []
    for name in base_samples:
        rule = rule_for(policy, name)
        if rule is None:  # listed, never skipped in silence
            notes.append(f"{name}: ungated: no rule in the policy")
            continue
        if rule["action"] == "ignore":
            continue
        if name not in new_samples:
            notes.append(f"{name}: in BASE only (renamed or removed? names are an interface)")
            continue
        for metric in rule["metrics"]:
            base, new = base_samples[name].get(metric), new_samples[name].get(metric)
            if not base or not new:
                continue
            result, change, p_value, tested = verdict(base, new, metric, rule["threshold"], policy)
            gated = rule["action"] == "gate" and result == "slower" and (
                tested or policy["untested"] == "gate")
            if rule["action"] == "gate" and not tested:
                untested.append({"name": name, "metric": metric,
                                 "n": min(len(base), len(new))})
            rows.append({"name": name, "metric": metric, "base": statistics.median(base),
                         "new": statistics.median(new), "change": change, "p": p_value,
                         "verdict": result if tested else result + " (untested)",
                         "action": rule["action"], "fails": gated, "n": min(len(base), len(new))})
    for name in new_errors:
        rule = rule_for(policy, name)
        if rule is not None and rule["action"] == "gate":
            rows.append({"name": name, "metric": "-", "base": float("nan"), "new": float("nan"),
                         "change": 0.0, "p": None, "verdict": "failed in NEW", "action": "gate",
                         "fails": True, "n": 0})
        else:
            notes.append(f"{name}: failed in NEW")
    notes += [f"{name}: failed in BASE" for name in base_errors]
    notes += [f"{name}: in NEW only (not compared)" for name in new_samples
              if name not in base_samples]

    failed = print_report(rows, notes, args.policy)
    if args.export_gab_smaller or args.export_gab_bigger or args.export_bmf:
        export(new_samples, [row for row in rows if row["metric"] != "-"], args)
    return finish(failed, untested, policy["min_repetitions"])


def main(argv):
    return run(compare, argv)
