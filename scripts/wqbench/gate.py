"""Shared by compare and regress: the policy, per-repetition samples, the per-row verdict and the
table. Debian's /usr/bin/python3 (python3-scipy) with /usr/share/benchmark on the path (the shims
set it): the U-test is Google Benchmark's compare.py's (libbenchmark-tools), not re-implemented."""
import json
import math
import re
import statistics
import tomllib
from pathlib import Path

from wqbench.cli import INCONCLUSIVE, OK, REGRESSION, InputError
from wqbench.fmt import human as human_figure
from wqbench.fmt import unit_of
from wqbench.results import rows_by_name
from wqbench.table import calibration_engines

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_POLICY = ROOT / "bench" / "regression-policy.toml"
HIGHER_IS_BETTER = {"items_per_second"}
ACTIONS = {"gate", "warn", "ignore"}
# Numbers in a result row that are not measurements.
BOOKKEEPING = {"family_index", "per_family_instance_index", "repetitions", "repetition_index",
               "threads", "iterations"}


def fail_input(message):
    raise InputError(message)


def calc_utest(*args):
    """compare.py's U-test (gbench.report.calc_utest), imported when first needed."""
    try:
        from gbench.report import calc_utest as utest  # pylint: disable=import-outside-toplevel
    except ImportError as error:
        raise InputError(f"cannot import compare.py's U-test ({error}); install Debian's "
                         "libbenchmark-tools and python3-scipy (scripts/test does) and run with "
                         "/usr/bin/python3 and /usr/share/benchmark on PYTHONPATH") from error
    return utest(*args)


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _pattern_error(pattern):
    if pattern is None:
        return "no pattern"
    if not isinstance(pattern, str):
        return f"{pattern!r} is not text"
    try:
        re.compile(pattern)
    except re.error as error:
        return str(error)
    return None


def load_policy(path):
    """The regression policy (bench/regression-policy.toml's shape), every value checked for what
    compare and regress read from it; InputError naming the file and the bad key otherwise."""
    try:
        with open(path, "rb") as handle:
            policy = tomllib.load(handle)
    except OSError as error:
        fail_input(f"cannot read policy '{path}': {error.strerror}")
    except UnicodeDecodeError as error:
        fail_input(f"policy '{path}' is not UTF-8 text ({error.reason} at byte {error.start})")
    except tomllib.TOMLDecodeError as error:
        fail_input(f"policy '{path}' is not TOML: {error}")
    for key in ("alpha", "min_repetitions", "untested", "rule"):
        if key not in policy:
            fail_input(f"policy '{path}' has no '{key}'")
    if not _number(policy["alpha"]) or not 0 < policy["alpha"] < 1:
        fail_input(f"policy '{path}': alpha = {policy['alpha']!r}; use a number between 0 and 1")
    if not _whole(policy["min_repetitions"]) or policy["min_repetitions"] < 1:
        fail_input(f"policy '{path}': min_repetitions = {policy['min_repetitions']!r}; use a "
                   "whole number from 1")
    if policy["untested"] not in ("gate", "inconclusive"):
        fail_input(f"policy '{path}': untested = {policy['untested']!r}; use 'gate' or "
                   "'inconclusive'")
    if not isinstance(policy["rule"], list) or not all(isinstance(r, dict) for r in policy["rule"]):
        fail_input(f"policy '{path}': rule must be [[rule]] tables")
    for index, rule in enumerate(policy["rule"], 1):
        if not isinstance(rule.get("action"), str) or rule["action"] not in ACTIONS:
            fail_input(f"policy '{path}', rule {index}: action = {rule.get('action')!r}; "
                       f"use one of {sorted(ACTIONS)}")
        if (problem := _pattern_error(rule.get("pattern"))) is not None:
            fail_input(f"policy '{path}', rule {index}: bad pattern ({problem})")
        rule["regex"] = re.compile(rule["pattern"])
        if rule["action"] != "ignore" and (
                not isinstance(rule.get("metrics"), list) or not rule["metrics"] or
                not all(isinstance(m, str) and m for m in rule["metrics"]) or
                not _number(rule.get("threshold")) or rule["threshold"] < 0):
            fail_input(f"policy '{path}', rule {index}: needs metrics (a list of counter names) "
                       "and threshold (a number from 0)")
    regress = policy.get("regress", {})
    if not isinstance(regress, dict) or not _whole(regress.get("rounds", 40)) or \
            not _number(regress.get("min_time", 0.1)) or regress.get("min_time", 0.1) <= 0 or \
            _pattern_error(regress.get("filter", ".")) is not None:
        fail_input(f"policy '{path}': [regress] takes rounds (a whole number), min_time (seconds, "
                   "above 0) and filter (a regular expression)")
    return policy


def samples_of(data):
    """{benchmark: {metric: [one value per repetition]}} from the per-repetition rows; the names of
    the benchmarks that failed. The calibration engines' rows (the harness's own, listed in the
    file's wq.calibration_engines) are left out: the gates judge the engines."""
    calibration = set(calibration_engines(data.get("context", {})))
    rows, failed = rows_by_name(data)
    samples = {}
    for name, runs in rows.items():
        if name.count("/") and name.split("/")[1] in calibration:
            continue
        metrics = samples.setdefault(name, {})
        for bench in runs:
            for key, value in bench.items():
                if (isinstance(value, (int, float)) and not isinstance(value, bool) and
                        key not in BOOKKEEPING):
                    metrics.setdefault(key, []).append(float(value))
    return samples, list(failed)


def rule_for(policy, name):
    return next((rule for rule in policy["rule"] if rule["regex"].search(name)), None)


def verdict(base, new, metric, threshold, policy):
    """(verdict, relative change, p-value or None, tested)"""
    base_median, new_median = statistics.median(base), statistics.median(new)
    change = (new_median - base_median) / base_median if base_median else 0.0
    worse = change < 0 if metric in HIGHER_IS_BETTER else change > 0
    if abs(change) < threshold:
        return "no change", change, None, True
    n = min(len(base), len(new))
    if n < policy["min_repetitions"]:
        return ("slower" if worse else "faster"), change, None, False
    _, _, p_value = calc_utest([base, new], [base, new])
    if p_value is None or p_value >= policy["alpha"]:
        return "too noisy", change, p_value, True
    return ("slower" if worse else "faster"), change, p_value, True


def export(new_samples, rows, args):
    compared = sorted({(row["name"], row["metric"]) for row in rows})
    smaller, bigger, bmf = [], [], {}
    for name, metric in compared:
        values = new_samples[name][metric]
        median = statistics.median(values)
        entry = {"name": f"{name} {metric}", "unit": unit_of(metric).replace("/s", "items/s"), "value": median,
                 "range": f"{min(values):.6g}..{max(values):.6g}"}
        (bigger if metric in HIGHER_IS_BETTER else smaller).append(entry)
        bmf.setdefault(name, {})[metric] = {"value": median, "lower_value": min(values),
                                            "upper_value": max(values)}
    for path, payload in ((args.export_gab_smaller, smaller), (args.export_gab_bigger, bigger),
                          (args.export_bmf, bmf)):
        if path:
            Path(path).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def human(value, metric):
    return human_figure(value, unit_of(metric))


def print_report(rows, notes, policy_label):
    """The human table, the notes and the totals; returns the rows that fail the gate."""
    width = max([len(row["name"]) for row in rows] + [20])
    print(f"{'benchmark':<{width}}  {'metric':<16} {'base':>12} {'new':>12} {'change':>8} "
          f"{'p':>7} {'n':>3}  verdict")
    for row in rows:
        p_text = f"{row['p']:.3f}" if row["p"] is not None else "-"
        mark = "  FAIL" if row["fails"] else ("  (warn only)" if row["action"] == "warn" and
                                              row["verdict"].startswith("slower") else "")
        interval = ""
        if row.get("interval"):  # scripts/regress: the slowdown's 95% interval
            low, high = row["interval"]
            interval = f"  (slowdown {low * 100:+.1f}% .. {high * 100:+.1f}%)"
        print(f"{row['name']:<{width}}  {row['metric']:<16} {human(row['base'], row['metric']):>12} "
              f"{human(row['new'], row['metric']):>12} {row['change'] * 100:>+7.1f}% {p_text:>7} "
              f"{row['n']:>3}  {row['verdict']}{mark}{interval}")
    for note in notes:
        print(f"note: {note}")
    counts = {}
    for row in rows:
        counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
    failed = [row for row in rows if row["fails"]]
    summary = ", ".join(f"{count} {what}" for what, count in sorted(counts.items()))
    print(f"\n{len(rows)} comparisons: {summary or 'none'}; policy {policy_label}")
    return failed


def finish(failed, untested=(), min_repetitions=0):
    """Prints the verdict line; the exit status: a gated slowdown (1) first, then gated rows that
    could not be tested (3: inconclusive, naming what would make them testable), else 0."""
    if failed:
        print(f"REGRESSION: {len(failed)} gated comparison(s) slower — "
              + ", ".join(f"{row['name']} {row['metric']}" for row in failed))
        return REGRESSION
    if untested:
        fewest = min(row["n"] for row in untested)
        print(f"INCONCLUSIVE: {len(untested)} gated comparison(s) could not be tested — "
              f"{fewest} repetition(s) a side, and the U-test needs at least {min_repetitions}: "
              f"run both sides with --benchmark_repetitions={min_repetitions} or more "
              "(interleaved: --benchmark_enable_random_interleaving)")
        return INCONCLUSIVE
    print("no gated regression")
    return OK
