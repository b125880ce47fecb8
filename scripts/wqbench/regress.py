"""The measuring half of scripts/regress: runs two wq_bench binaries interleaved (A B B A, B A A B,
...) and decides each gated metric on the paired per-round ratios.

Usage: python3 -m wqbench regress BASE_BENCH NEW_BENCH OUT_DIR [--rounds N] [--filter REGEX]
                                  [--min-time S] [--policy FILE] [--inject SHARES]
                                  [--revisions BASE,NEW] [--aa]

--inject 'PATH:BACKEND=N%[,...]' (NEW a -DWQ_INJECT=runtime build): before the rounds, one
sizing run of BASE measures each gated row's own cost per unit — its first gated metric as ns
per item, call or round trip (a rate inverted) — and NEW then adds N% of that time to every put
(PATH put) or dispatch (PATH dispatch) of the rows of BACKEND (* any), through the plan
OUT_DIR/inject-plan.txt (wq_bench --wq_inject). So an injection means the same share of a row's
cost on every host; decision.json records the spec, the plan, the revisions and each row's
measured effect.

Each round runs each binary once, as a process of its own, on the same benchmarks. Per benchmark
and metric the round ratios new/base (inverted for rates, so > 1 is slower) are tested with the
one-sided Wilcoxon signed-rank test on their logarithms (one test per direction); the effect is
the geometric-median ratio, with a 95% distribution-free interval for it. A row is slower (faster) only if the effect reaches the policy's
threshold and its "slower" ("faster") p passes alpha after Holm's correction over every gated row
of the run.
"""
import json
import math
import re
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path


from wqbench.cli import InputError, Parser, UsageError, run
from wqbench.gate import (DEFAULT_POLICY, HIGHER_IS_BETTER, finish, load_policy, print_report,
                          rule_for, samples_of)
from wqbench.results import load


def run_once(binary, filter_regex, min_time, out, extra=()):
    command = [binary, f"--benchmark_filter={filter_regex}", f"--benchmark_min_time={min_time}",
               f"--benchmark_out={out}", "--benchmark_out_format=json", *extra]
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise InputError(f"{binary} failed (exit {result.returncode}): {result.stderr.strip()[-400:]}")
    return samples_of(load(out))


SHARE_ITEM = re.compile(r"^(put|dispatch):([a-z0-9_]+|\*)=([0-9]+(?:\.[0-9]+)?)%$")


def parse_shares(spec):
    """[(path, backend, share)] from 'PATH:BACKEND=N%[,...]' (a share, not loop rounds)."""
    items = []
    for item in spec.split(","):
        match = SHARE_ITEM.match(item)
        if not match or not 0 < float(match[3]) <= 1000:
            raise UsageError(f"--inject '{spec}': use PATH:BACKEND=N%[,...], PATH put or dispatch, "
                             "BACKEND a back-end or *, N a share of the row's own cost in (0, 1000]")
        items.append((match[1], match[2], float(match[3]) / 100.0))
    return items


def unit_cost_ns(metric, value):
    """A row's own cost per unit (item, call, round trip) in ns from its gated metric, or None."""
    if value <= 0:
        return None
    if metric == "items_per_second":
        return 1e9 / value
    return value if metric.endswith("_ns") or metric.startswith("ns_per_") else None


def size_injection(samples, shares, policy):
    """The plan {name: {path, share, metric, cost_ns, ns}} for the gated rows a share names (the
    last item that names a row's back-end wins, as in a loop-round spec)."""
    plan = {}
    for name, metrics in sorted(samples.items()):
        rule = rule_for(policy, name)
        if rule is None or rule["action"] != "gate" or name.count("/") < 1:
            continue
        backend = name.split("/")[1]
        chosen = [item for item in shares if item[1] in ("*", backend)]
        if not chosen:
            continue
        path, _, share = chosen[-1]
        metric = next((m for m in rule["metrics"] if m in metrics), None)
        cost = unit_cost_ns(metric, statistics.median(metrics[metric])) if metric else None
        if cost is None:
            continue
        plan[name] = {"path": path, "share": share, "metric": metric, "cost_ns": cost,
                      "ns": share * cost}
    return plan


def write_plan(plan, path, spec):
    lines = [f"# scripts/regress --inject '{spec}': NAME PATH NS (the row's cost x its share)"]
    lines += [f"{name} {row['path']} {row['ns']:.3f}" for name, row in sorted(plan.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def holm(rows, alpha, p_key, mark):
    """Sets row[mark] by Holm's step-down correction of row[p_key] over the given rows."""
    for row in rows:
        row[mark] = False
    ordered = sorted((row for row in rows if row[p_key] is not None), key=lambda row: row[p_key])
    m = len(ordered)
    still = True
    for k, row in enumerate(ordered):
        still = still and row[p_key] < alpha / (m - k)
        row[mark] = still


# With --aa each round also runs the base a second time ("aa"), so the same rounds give an A/A
# comparison; the six orders in turn put each side first, second and last equally often.
AA_ORDERS = [("base", "new", "aa"), ("aa", "new", "base"), ("new", "aa", "base"),
             ("base", "aa", "new"), ("aa", "base", "new"), ("new", "base", "aa")]


def run_rounds(args, rounds, filter_regex, min_time, out_dir, new_extra=()):
    """{"base": [samples per round], "new": [...]} (and "aa" with --aa): A B, B A, A B, ..."""
    per_round = {"base": [], "new": [], "aa": []}
    started = time.monotonic()
    for r in range(rounds):
        if args.aa:
            order = AA_ORDERS[r % len(AA_ORDERS)]
        else:
            order = ("base", "new") if r % 2 == 0 else ("new", "base")
        for side in order:
            binary = args.new if side == "new" else args.base
            samples, errors = run_once(binary, filter_regex, min_time,
                                       out_dir / f"round{r:02d}-{side}.json",
                                       new_extra if side == "new" else ())
            if errors:
                raise InputError(f"{side} round {r}: benchmarks failed: {', '.join(errors)}")
            per_round[side].append(samples)
        print(f"[round {r + 1}/{rounds}  {time.monotonic() - started:4.0f} s]", file=sys.stderr,
              flush=True)
    return per_round


def median_interval(logs, confidence=0.95):
    """A distribution-free interval for the median of the log ratios — order statistics at the
    binomial's quantiles — as slowdowns (> 0 slower)."""
    from scipy.stats import binom  # pylint: disable=import-outside-toplevel  # Debian's python3-scipy
    ordered = sorted(logs)
    n = len(ordered)
    k = max(int(binom.ppf((1 - confidence) / 2, n, 0.5)), 1)
    return math.exp(ordered[k - 1]) - 1.0, math.exp(ordered[n - k]) - 1.0


def paired_row(name, metric, rule, pairs):
    """One gated metric's row from its (base, new) pairs of rounds."""
    # log(new/base), turned so that > 0 is slower
    sign = -1.0 if metric in HIGHER_IS_BETTER else 1.0
    logs = [sign * math.log(n / b) for b, n in pairs if b > 0 and n > 0]
    effect = math.exp(statistics.median(logs)) - 1.0  # > 0: slower
    # One-sided tests, one per direction: the gate asks only "slower?", so its error rate is that
    # of the "slower" family alone; "faster" is a second family, reported only.
    p_slower = p_faster = None
    if any(x != 0 for x in logs):
        from scipy.stats import wilcoxon  # pylint: disable=import-outside-toplevel
        with warnings.catch_warnings():  # ties (bucketed percentiles): normal approximation
            warnings.simplefilter("ignore")
            p_slower = float(wilcoxon(logs, zero_method="zsplit", alternative="greater").pvalue)
            p_faster = float(wilcoxon(logs, zero_method="zsplit", alternative="less").pvalue)
    return {"name": name, "metric": metric, "action": rule["action"],
            "threshold": rule["threshold"], "effect": effect,
            "interval": median_interval(logs) if logs else None,
            "p": p_slower if effect > 0 else p_faster, "p_slower": p_slower,
            "p_faster": p_faster, "base": statistics.median(b for b, _ in pairs),
            "new": statistics.median(n for _, n in pairs), "n": len(pairs)}


def paired_rows(per_round, policy, rounds):
    rows, notes = [], []
    base, new = per_round["base"], per_round["new"]
    for name in sorted(set(new[0]) - set(base[0])):
        notes.append(f"{name}: new in this revision (not compared)")
    for name in sorted(set(base[0]) & set(new[0])):
        rule = rule_for(policy, name)
        if rule is None or rule["action"] == "ignore":
            continue
        for metric in rule["metrics"]:
            pairs = [(b[name][metric][0], n[name][metric][0]) for b, n in zip(base, new)
                     if metric in b.get(name, {}) and metric in n.get(name, {})]
            if len(pairs) == rounds:
                rows.append(paired_row(name, metric, rule, pairs))
    return rows, notes


def decide(rows, alpha):
    """Holm over each family — (gated | warn-only) × (slower | faster) — then each verdict."""
    for family in (lambda row: row["action"] == "gate", lambda row: row["action"] != "gate"):
        members = [row for row in rows if family(row)]
        holm(members, alpha, "p_slower", "significant_slower")
        holm(members, alpha, "p_faster", "significant_faster")
    for row in rows:
        if abs(row["effect"]) < row["threshold"]:
            row["verdict"] = "no change"
        elif row["significant_slower" if row["effect"] > 0 else "significant_faster"]:
            row["verdict"] = "slower" if row["effect"] > 0 else "faster"
        else:
            row["verdict"] = "too noisy"
        # the table's change column is the relative change of the metric itself
        sign = -1.0 if row["metric"] in HIGHER_IS_BETTER else 1.0
        row["change"] = (1.0 + row["effect"]) ** sign - 1.0
        row["fails"] = row["action"] == "gate" and row["verdict"] == "slower"


def regress(argv):
    parser = Parser(prog="python3 -m wqbench regress", description=__doc__)
    parser.add_argument("base")
    parser.add_argument("new")
    parser.add_argument("out_dir")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--filter")
    parser.add_argument("--min-time", type=float)
    parser.add_argument("--policy", default=str(DEFAULT_POLICY))
    parser.add_argument("--inject")
    parser.add_argument("--revisions")
    parser.add_argument("--aa", action="store_true",
                        help="each round also runs BASE again: an A/A decision from the same "
                             "rounds (OUT_DIR/decision-aa.json)")
    args = parser.parse_args(argv)
    shares = parse_shares(args.inject) if args.inject else None
    policy = load_policy(args.policy)
    settings = policy.get("regress", {})
    rounds = args.rounds or int(settings.get("rounds", 40))
    filter_regex = args.filter or settings.get("filter", ".")
    min_time = args.min_time or float(settings.get("min_time", 0.1))
    if rounds < 6:
        raise UsageError(f"--rounds {rounds}: the signed-rank test needs at least 6 rounds (the "
                         "policy's [regress] rounds by default)")
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    injection, new_extra = None, ()
    if shares:
        # three repetitions, their median: one noisy sizing would set every round's injection
        samples, errors = run_once(args.base, filter_regex, min_time, out_dir / "sizing-base.json",
                                   ("--benchmark_repetitions=3",))
        if errors:
            raise InputError(f"the sizing run failed: {', '.join(errors)}")
        plan = size_injection(samples, shares, policy)
        if not plan:
            raise UsageError(f"--inject '{args.inject}': no gated row of --filter "
                             f"'{filter_regex}' belongs to a back-end it names")
        write_plan(plan, out_dir / "inject-plan.txt", args.inject)
        new_extra = (f"--wq_inject={out_dir / 'inject-plan.txt'}",)
        injection = {"spec": args.inject, "plan": plan}
        print(f"injecting {args.inject} of each row's own cost, sized by one run of the base "
              f"({len(plan)} rows; {out_dir / 'inject-plan.txt'})")
    per_round = run_rounds(args, rounds, filter_regex, min_time, out_dir, new_extra)
    rows, notes = paired_rows(per_round, policy, rounds)
    decide(rows, policy["alpha"])
    seconds = time.monotonic() - started
    if injection:
        new_context = load(out_dir / "round00-new.json").get("context", {})
        injection["ns_per_loop"] = float(new_context.get("wq.inject_ns_per_loop", "nan"))
        for row in rows:
            if row["name"] in injection["plan"]:
                row["injected"] = injection["plan"][row["name"]]
    decision = {"rounds": rounds, "filter": filter_regex, "min_time": min_time,
                "seconds": round(seconds, 1)}
    if args.revisions:
        decision["base_revision"], _, decision["new_revision"] = args.revisions.partition(",")
    if injection:
        decision["inject"] = injection
    decision["rows"] = [{k: v for k, v in row.items() if k != "threshold"} for row in rows]
    (out_dir / "decision.json").write_text(json.dumps(decision, indent=1) + "\n",
                                           encoding="utf-8")
    print(f"{rounds} interleaved rounds in {seconds:.0f} s; one-sided paired Wilcoxon, "
          f"Holm-corrected alpha {policy['alpha']}")
    failed = print_report(rows, notes, args.policy)
    if args.aa:
        aa_rows, _ = paired_rows({"base": per_round["base"], "new": per_round["aa"]}, policy,
                                 rounds)
        decide(aa_rows, policy["alpha"])
        aa_decision = {key: value for key, value in decision.items() if key != "inject"}
        aa_decision["new_revision"] = aa_decision.get("base_revision", "base")
        aa_decision["rows"] = [{k: v for k, v in row.items() if k != "threshold"}
                               for row in aa_rows]
        (out_dir / "decision-aa.json").write_text(json.dumps(aa_decision, indent=1) + "\n",
                                                  encoding="utf-8")
        failing = [row["name"] for row in aa_rows if row["fails"]]
        print(f"A/A (the base against itself in the same rounds): "
              f"{len(failing)} gated rows slower{': ' + ', '.join(failing) if failing else ''}")
    return finish(failed)


def main(argv):
    return run(regress, argv)
