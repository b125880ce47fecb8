"""Shared by scripts/compare and scripts/regress: reading result files and the policy, taking
per-repetition samples, the per-row verdict and the table. Debian's /usr/bin/python3 (scipy)."""
import json
import re
import statistics
import sys
import tomllib
from pathlib import Path

# compare.py's U-test, from Debian's libbenchmark-tools (not re-implemented here).
sys.path.insert(0, "/usr/share/benchmark")
try:
    from gbench.report import calc_utest  # noqa: E402
except ImportError as error:  # an environment problem, reported plainly
    sys.exit(f"error: cannot import compare.py's U-test ({error}); install Debian's "
             "libbenchmark-tools and python3-scipy (scripts/test does) and run with /usr/bin/python3")

from results import InputError, rows_by_name  # noqa: E402,F401  (InputError: for callers)
from results import load as load_results  # noqa: E402,F401

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_POLICY = ROOT / "bench" / "regression-policy.toml"
HIGHER_IS_BETTER = {"items_per_second"}
ACTIONS = {"gate", "warn", "ignore"}
# Numbers in a result row that are not measurements.
BOOKKEEPING = {"family_index", "per_family_instance_index", "repetitions", "repetition_index",
               "threads", "iterations"}


def fail_input(message):
    raise InputError(message)


def load_policy(path):
    try:
        with open(path, "rb") as handle:
            policy = tomllib.load(handle)
    except OSError as error:
        fail_input(f"cannot read policy '{path}': {error.strerror}")
    except tomllib.TOMLDecodeError as error:
        fail_input(f"policy '{path}' is not TOML: {error}")
    for key in ("alpha", "min_repetitions", "untested", "rule"):
        if key not in policy:
            fail_input(f"policy '{path}' has no '{key}'")
    if policy["untested"] not in ("gate", "warn"):
        fail_input(f"policy '{path}': untested = '{policy['untested']}'; use 'gate' or 'warn'")
    for index, rule in enumerate(policy["rule"], 1):
        if rule.get("action") not in ACTIONS:
            fail_input(f"policy '{path}', rule {index}: action = '{rule.get('action')}'; "
                       f"use one of {sorted(ACTIONS)}")
        try:
            rule["regex"] = re.compile(rule["pattern"])
        except (KeyError, re.error) as error:
            fail_input(f"policy '{path}', rule {index}: bad pattern ({error})")
        if rule["action"] != "ignore" and (not rule.get("metrics") or "threshold" not in rule):
            fail_input(f"policy '{path}', rule {index}: needs metrics and threshold")
    return policy


def samples_of(data):
    """{benchmark: {metric: [one value per repetition]}} from the per-repetition rows; the names of
    the benchmarks that failed."""
    rows, failed = rows_by_name(data)
    samples = {}
    for name, runs in rows.items():
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


def unit_of(metric, time_unit="ns"):
    if metric == "items_per_second":
        return "items/s"
    if metric.endswith("_pct"):
        return "%"
    if metric == "real_time":
        return time_unit
    return "ns"


def export(new_samples, rows, args):
    compared = sorted({(row["name"], row["metric"]) for row in rows})
    smaller, bigger, bmf = [], [], {}
    for name, metric in compared:
        values = new_samples[name][metric]
        median = statistics.median(values)
        entry = {"name": f"{name} {metric}", "unit": unit_of(metric), "value": median,
                 "range": f"{min(values):.6g}..{max(values):.6g}"}
        (bigger if metric in HIGHER_IS_BETTER else smaller).append(entry)
        bmf.setdefault(name, {})[metric] = {"value": median, "lower_value": min(values),
                                            "upper_value": max(values)}
    for path, payload in ((args.export_gab_smaller, smaller), (args.export_gab_bigger, bigger),
                          (args.export_bmf, bmf)):
        if path:
            Path(path).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def human(value, metric):
    if metric == "items_per_second":
        return f"{value / 1e6:.3f}M/s" if value >= 1e5 else f"{value:.0f}/s"
    if metric.endswith("_pct"):
        return f"{value:.2f}%"
    return f"{value:.4g}"


def print_report(rows, notes, policy_label):
    """The human table, the notes and the totals; returns the rows that fail the gate."""
    width = max([len(row["name"]) for row in rows] + [20])
    print(f"{'benchmark':<{width}}  {'metric':<16} {'base':>12} {'new':>12} {'change':>8} "
          f"{'p':>7} {'n':>3}  verdict")
    for row in rows:
        p_text = f"{row['p']:.3f}" if row["p"] is not None else "-"
        mark = "  FAIL" if row["fails"] else ("  (warn only)" if row["action"] == "warn" and
                                              row["verdict"].startswith("slower") else "")
        print(f"{row['name']:<{width}}  {row['metric']:<16} {human(row['base'], row['metric']):>12} "
              f"{human(row['new'], row['metric']):>12} {row['change'] * 100:>+7.1f}% {p_text:>7} "
              f"{row['n']:>3}  {row['verdict']}{mark}")
    for note in notes:
        print(f"note: {note}")
    counts = {}
    for row in rows:
        counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
    failed = [row for row in rows if row["fails"]]
    summary = ", ".join(f"{count} {what}" for what, count in sorted(counts.items()))
    print(f"\n{len(rows)} comparisons: {summary or 'none'}; policy {policy_label}")
    return failed


def finish(failed):
    """Prints the verdict line; the exit status."""
    if failed:
        print(f"REGRESSION: {len(failed)} gated comparison(s) slower — "
              + ", ".join(f"{row['name']} {row['metric']}" for row in failed))
        return 1
    print("no gated regression")
    return 0
