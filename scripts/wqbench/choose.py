"""The measuring and deciding half of scripts/choose (see its --help).

Runs wq_bench --wq_workload for the described workload on every available back-end (repetitions
interleaved at random), or reads an existing result file (--from), then ranks the back-ends on the
objective and says whether the winner's lead is real: a one-sided Mann-Whitney U-test (scipy) of
each back-end's repetitions against the winner's, and a smallest lead worth naming.
Debian's /usr/bin/python3 (python3-scipy).
"""
import argparse
import math
import re
import statistics
import sys


from wqbench.choose_run import ROOT, cpus, measure, rate_text, worker_counts, workload_fields
from wqbench.cli import OK, Parser, UsageError, args_only, run
from wqbench.fmt import human
from wqbench.results import load, rows_by_name
from wqbench.table import backend_catalogue

ALPHA = 0.05
SMALLEST_LEAD = 0.03  # a lead under 3% is not worth naming a winner for, however consistent
# objective -> (metric, higher is better, unit for human(), title)
OBJECTIVES = {
    "throughput": ("items_per_second", True, "/s", "items per second, saturated"),
    "p50": ("p50_ns", False, "ns", "median one-way latency (intended send → callback start)"),
    "p99": ("p99_ns", False, "ns", "99th-percentile one-way latency"),
    "cpu": ("cpu_ns_per_item", False, "ns", "CPU per item (the engine's threads, callback "
            "included)"),
}
EXAMPLES = """examples:
  scripts/choose --producers 1 --workers 1 --work-ns 0 --rate saturate --objective throughput
  scripts/choose --producers 1 --workers auto --work-ns 2000 --rate 1k --objective p99
  scripts/choose --producers 2 --workers 2 --work-ns 500 --rate 50k --batch 16 --objective cpu
  scripts/choose --serial 8 --workers 2 --work-ns 2000 --rate 50k --objective p99
  scripts/choose --priority-mix 10 --workers 1 --work-ns 1000 --rate 200k --objective p99
  scripts/choose --rate 10k --objective p50 --from results/latest.json   # no new measurement
"""


def parse_rate(text):
    if text == "saturate":
        return 0.0
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmMgG]?)(?:/s)?", text)
    if not match:
        raise UsageError(f"--rate '{text}': use items per second (e.g. 5000, 10k, 1.5M) or "
                         "'saturate'")
    value = float(match.group(1)) * {"": 1, "k": 1e3, "m": 1e6, "g": 1e9}[match.group(2).lower()]
    if not 1 <= value <= 1e8:
        raise UsageError(f"--rate '{text}': from 1 to 100M items per second")
    return value


def positive(name, low, high):
    def check(text):
        if not re.fullmatch(r"\d+", text) or not low <= int(text) <= high:
            raise UsageError(f"{name} '{text}': use a whole number from {low} to {high}")
        return int(text)
    return check


def workers_arg(text):
    if text == "auto":
        return "auto"
    return positive("--workers", 1, 256)(text)


def human_rate(rate):
    return "saturated (as fast as producers can put)" if rate <= 0 else human(rate, "/s")


def suffix(args, workers):
    """The workload's name tail (bench/workload.hpp's suffix) with `workers` workers."""
    return "/".join(workload_fields(args, workers))


def metric_of(args, objective):
    """The counter ranked: the objective's, or with a priority mix the priority-1 items' latency."""
    metric = OBJECTIVES[objective][0]
    if args.priority_mix and objective in ("p50", "p99"):
        return "high_" + metric
    return metric


# ---- Reading samples ----------------------------------------------------------------------------

def candidates(args, metric):
    """For each worker count: the names (with a {b} back-end slot) that measure this workload, in
    order of preference: the workload/ run itself, then the standard scenario that is the same
    workload."""
    out = {}
    for w in worker_counts(args):
        names = [f"workload/{{b}}/{suffix(args, w)}"]
        if args.serial or args.priority_mix:
            pass  # through the MF layer: no standard scenario is the same workload
        elif args.rate <= 0:
            names.append(f"throughput/{{b}}/producers:{args.producers}/workers:{w}/work_ns:"
                          f"{args.work_ns}/batch:{args.batch}")
        elif (args.producers, w, args.work_ns, args.batch) == (1, 1, 0, 1):
            if metric in ("p50_ns", "p99_ns"):
                names.append(f"latency/{{b}}/rate:{rate_text(args.rate)}/workers:1")
            elif metric == "cpu_ns_per_item":
                names.append(f"cpu/{{b}}/rate:{rate_text(args.rate)}")
        out[w] = names
    return out


def collect(rows, args, metric):
    """{backend: {workers: [rows]}} for the workload, from whichever name covers it."""
    found = {}
    for w, patterns in candidates(args, metric).items():
        for pattern in patterns:
            regex = re.compile("^" + re.escape(pattern).replace(re.escape("{b}"), "([a-z0-9_]+)") + "$")
            hits = {m.group(1): runs for name, runs in rows.items() if (m := regex.match(name))}
            hits = {b: [r for r in runs if metric in r] for b, runs in hits.items()}
            hits = {b: runs for b, runs in hits.items() if runs}
            if hits:
                for backend, runs in hits.items():
                    found.setdefault(backend, {})[w] = runs
                break
    return found


def median_of(runs, key):
    values = [float(r[key]) for r in runs if key in r]
    return statistics.median(values) if values else None


# ---- Deciding ---------------------------------------------------------------------------------

def better_p(winner, other, higher):
    """One-sided U-test p that the winner's samples are better than the other's."""
    if len(winner) < 2 or len(other) < 2:
        return None
    from scipy.stats import mannwhitneyu  # pylint: disable=import-outside-toplevel  # Debian's python3-scipy
    alternative = "greater" if higher else "less"
    return float(mannwhitneyu(winner, other, alternative=alternative).pvalue)


def why(backend, workers, runs, args, objective):
    """One line from what this run measured about the back-end."""
    parks = median_of(runs, "parks_per_item")
    cpu = median_of(runs, "cpu_ns_per_item")
    idle = median_of(runs, "idle_cpu_pct")
    late = median_of(runs, "late_pct")
    latency = "high_" if args.priority_mix else ""  # the items ranked
    p50, p99 = median_of(runs, latency + "p50_ns"), median_of(runs, latency + "p99_ns")
    bits = []
    if late is not None and late > 5:
        crowded = args.producers + workers > cpus()
        bits.append(f"{late:.0f}% of items were sent late (over 1 µs)" +
                    (f": {args.producers} producer(s) and {workers} worker(s) share {cpus()} CPUs"
                     if crowded else ": the sending thread was descheduled"))
    if parks is None:
        facts = args.catalogue.get(backend, {})
        if facts.get("owns_threads") is False:
            bits.append(f"its threads are not its own ({facts.get('description', backend)}): "
                        "parks not observable")
    elif parks < 0.01:
        bits.append("workers never park at this load" if args.rate > 0 else
                    "workers never park: there is always work")
    elif parks > 0.5:
        bits.append(f"workers park {parks:.2f} times per item: nearly every item pays a kernel "
                    "wake-up")
    else:
        bits.append(f"{parks:.2f} parks per item")
    if p50 is not None and p99 is not None and objective in ("p50", "p99") and p99 > 8 * p50:
        bits.append(f"tail {p99 / p50:.0f}× the median")
    if cpu is not None:
        over = cpu - args.work_ns
        if objective == "cpu" or (parks is not None and parks < 0.01 and args.rate > 0):
            beyond = f" ({human(max(over, 0), 'ns')} beyond the callback)" if args.work_ns else ""
            bits.append(f"{human(cpu, 'ns')} CPU per item{beyond}")
    values = [float(r[metric_of(args, objective)]) for r in runs]
    if len(values) > 1 and max(values) - min(values) > 0.5 * statistics.median(values):
        bits.append(f"unstable: from {human(min(values), OBJECTIVES[objective][2])} to "
                    f"{human(max(values), OBJECTIVES[objective][2])} between repetitions")
    if idle is not None and idle > 0.5:
        bits.append(f"burns {idle:.1f}% of a core when idle")
    return "; ".join(bits)


def decide(found, args, objective):
    metric, higher = metric_of(args, objective), OBJECTIVES[objective][1]
    entries = []
    for backend, by_workers in found.items():
        best_w, best_values, best_runs = None, None, None
        for w, runs in by_workers.items():
            values = [float(r[metric]) for r in runs]
            if best_values is None or (statistics.median(values) > statistics.median(best_values)
                                       if higher else
                                       statistics.median(values) < statistics.median(best_values)):
                best_w, best_values, best_runs = w, values, runs
        entries.append({"backend": backend, "workers": best_w, "values": best_values,
                        "runs": best_runs, "median": statistics.median(best_values)})
    entries.sort(key=lambda e: e["median"], reverse=higher)
    best = entries[0]
    for entry in entries:
        ratio = (entry["median"] / best["median"]) if best["median"] else math.nan
        entry["ratio"] = ratio
        # how much worse than the best (a back-end that did nothing is infinitely worse)
        entry["lead"] = ((1 / ratio - 1) if ratio > 0 else math.inf) if higher else (ratio - 1)
        entry["p"] = None if entry is best else better_p(best["values"], entry["values"], higher)
        # p <= alpha (not <): the exact test's p is attainable, so the test keeps its level, and
        # 3 against 3 fully separated repetitions (p = 0.05) count.
        entry["tied"] = entry is best or entry["p"] is None or entry["p"] > ALPHA or \
            entry["lead"] < SMALLEST_LEAD
    return entries


def p_text(p):
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def lead_text(lead, word):
    """0.08 -> '8% worse'; 1.9 -> '2.9× worse'."""
    return f"{1 + lead:.1f}× {word}" if lead >= 0.5 else f"{lead:.0%} {word}"


def spread(values):
    med = statistics.median(values)
    if len(values) < 2 or med == 0:
        return "-"
    return f"{(max(values) - min(values)) / med * 100:.0f}%"


def report(entries, args, objective, source, seconds):
    _, higher, unit, title = OBJECTIVES[objective]
    if metric_of(args, objective) != OBJECTIVES[objective][0]:
        title += " of the priority-1 items"
    reps = min(len(e["values"]) for e in entries)
    workers = "auto (best of " + ", ".join(map(str, worker_counts(args))) + ")" \
        if args.workers == "auto" else str(args.workers)
    print()
    print(f"workload: {args.producers} producer(s), workers {workers}, callbacks "
          f"{human(args.work_ns, 'ns') if args.work_ns else '0 ns'}, rate {human_rate(args.rate)}, "
          f"{'single puts' if args.batch == 1 else f'bulk puts of {args.batch}'}")
    if args.serial or args.priority_mix:
        how = [f"round-robin over {args.serial} serial queue(s)"] if args.serial else []
        if args.priority_mix:
            how.append(f"{args.priority_mix}% at priority 1, the rest at 0")
        print(f"through MF's work-queue API (wq/mfapi.hpp, MFPutWorkItemEx2): {'; '.join(how)}")
    print(f"objective: {objective} — {title} ({'higher' if higher else 'lower'} is better)")
    took = f", {seconds:.0f} s" if seconds is not None else " (no new measurement)"
    print(f"measured: {len(entries)} back-ends, {reps} repetitions each{took}; {source}")
    print()
    show_workers = args.workers == "auto"
    header = f"{'rank':<5}{'back-end':<10}{'W':>3}  " if show_workers else f"{'rank':<5}{'back-end':<10}"
    print(header + f"{objective:>11} {'×best':>6} {'range':>6}  {'vs the best':<24} why")
    for index, entry in enumerate(entries):
        if index == 0:
            confidence = "best median"
        elif entry["p"] is None:
            confidence = "untested (1 repetition)"
        elif entry["p"] > ALPHA:
            confidence = f"not separable (p={entry['p']:.2f})"
        elif entry["lead"] < SMALLEST_LEAD:
            confidence = f"within {SMALLEST_LEAD:.0%} ({p_text(entry['p'])})"
        else:
            confidence = f"{lead_text(entry['lead'], 'worse')}, {p_text(entry['p'])}"
        ratio = f"{entry['ratio']:.2f}"
        line = f"{index + 1:<5}{entry['backend']:<10}"
        if show_workers:
            line += f"{entry['workers']:>3}  "
        print(line + f"{human(entry['median'], unit):>11} {ratio:>6} {spread(entry['values']):>6}"
              f"  {confidence:<24} {why(entry['backend'], entry['workers'], entry['runs'], args, objective)}")
    tied = [e for e in entries[1:] if e["tied"]]
    print()
    best = entries[0]
    w_note = f" with {best['workers']} worker(s)" if show_workers else ""
    if len(entries) == 1:
        print(f"answer: {best['backend']}{w_note} (the only back-end measured)")
    elif tied:
        names = ", ".join(e["backend"] for e in tied)
        unstable = [e for e in [best, *tied] if len(e["values"]) > 1 and
                    (max(e["values"]) - min(e["values"])) > 0.5 * e["median"]]
        swing = ""
        if unstable:
            swing = "; " + ", ".join(f"{e['backend']}'s repetitions span {spread(e['values'])}"
                                     for e in unstable)
        print(f"answer: no clear winner — {best['backend']}{w_note} has the best median, but "
              f"{names} cannot be told apart from it ({reps} repetitions each: U-test p > {ALPHA} "
              f"or a lead under {SMALLEST_LEAD:.0%}{swing}). Choose among them on another "
              f"objective, or measure longer (--repetitions {2 * reps}).")
    else:
        runner = entries[1]
        print(f"answer: {best['backend']}{w_note} — {lead_text(runner['lead'], 'better')} than "
              f"{runner['backend']}, the next best (one-sided U-test {p_text(runner['p'])}, "
              f"{reps} repetitions each)")
    return 0


def make_parser():
    parser = Parser(
        prog="scripts/choose",
        description="Which back-end should this workload use on this machine? Measures every "
                    "available back-end on exactly the workload described (or reads a result "
                    "file) and ranks them, saying when the lead is within noise.",
        epilog=EXAMPLES, checks_more=True)
    parser.add_argument("--producers", type=positive("--producers", 1, 64), default=1,
                        help="threads putting items (default 1)")
    parser.add_argument("--workers", type=workers_arg, default="auto",
                        help="engine worker threads, or 'auto': 1, the CPUs and twice the CPUs, "
                             "each back-end at its best (default auto)")
    parser.add_argument("--work-ns", type=positive("--work-ns", 0, 1_000_000_000), default=0,
                        help="each callback's own cost in ns (busy work; default 0)")
    parser.add_argument("--rate", default="saturate",
                        help="arrivals per second, all producers together (5000, 10k, 1.5M), "
                             "or 'saturate' (default)")
    parser.add_argument("--batch", type=positive("--batch", 1, 4096), default=1,
                        help="items per put: >1 uses put_bulk (default 1)")
    parser.add_argument("--serial", type=positive("--serial", 1, 64), default=0,
                        help="put the items through MF's work-queue API on N serial queues "
                             "(MFAllocateSerialWorkQueue on the multithreaded queue; each "
                             "producer's items round-robin over them)")
    parser.add_argument("--priority-mix", type=positive("--priority-mix", 1, 100), default=0,
                        metavar="PCT",
                        help="put the items through MF's work-queue API, PCT%% of them at "
                             "priority 1 and the rest at 0; p50 and p99 rank the priority-1 "
                             "items' latency (needs a rate)")
    parser.add_argument("--objective", choices=sorted(OBJECTIVES), required=True,
                        help="throughput (needs --rate saturate), p50 or p99 latency (need a "
                             "rate), cpu per item")
    parser.add_argument("--budget", type=float, default=120,
                        help="seconds of measuring to aim for (default 120)")
    parser.add_argument("--repetitions", type=positive("--repetitions", 2, 100),
                        help="repetitions per back-end (default: as many as the budget holds, "
                             "3 to 15)")
    parser.add_argument("--min-time", type=float, default=0.2, help=argparse.SUPPRESS)
    parser.add_argument("--from", dest="source", metavar="RESULTS.json",
                        help="answer from this result file (scripts/bench or scripts/choose "
                             "output) instead of measuring")
    parser.add_argument("--no-pin", action="store_true", help="leave threads to the scheduler")
    parser.add_argument("--bench", help=argparse.SUPPRESS)
    return parser


def validate(args):
    """Refuses what cannot be measured (contradictions, bad numbers), naming the value."""
    args.rate = parse_rate(args.rate)
    if args.objective == "throughput" and args.rate > 0:
        raise UsageError(f"--objective throughput ranks the saturated rate; with --rate "
                         f"{rate_text(args.rate)} every back-end that keeps up delivers "
                         "exactly that: use --rate saturate, or rank on p50, p99 or cpu")
    if args.objective in ("p50", "p99") and args.rate <= 0:
        raise UsageError(f"--objective {args.objective} needs an arrival rate (--rate N): "
                         "saturated, the queue grows for as long as the test runs and so does "
                         "the latency")
    if args.priority_mix and args.rate <= 0:
        raise UsageError(f"--priority-mix {args.priority_mix} is measured as the priority-1 "
                         "items' latency: give an arrival rate (--rate N)")
    if args.budget <= 0:
        raise UsageError(f"--budget {args.budget:g}: use a number of seconds above 0")
    if args.min_time <= 0:
        raise UsageError(f"--min-time {args.min_time:g}: use seconds above 0")


def choose(argv):
    args = make_parser().parse_args(argv)
    validate(args)
    if args_only():
        return OK
    metric = metric_of(args, args.objective)
    if args.source:
        data = load(args.source)
        source, seconds = f"from {args.source}", None
    else:
        if not args.bench:
            raise UsageError("no wq_bench given (run scripts/choose, which builds it)")
        out, seconds = measure(args)
        data = load(out)
        source = f"results in {out.relative_to(ROOT)}"
    args.catalogue = backend_catalogue(data.get("context", {}))
    rows, failed = rows_by_name(data)
    for name, message in failed.items():
        print(f"warning: {name}: {message}", file=sys.stderr)
    found = collect(rows, args, metric)
    if not found:
        covered = sorted({re.sub(r"^(\w+)/[a-z0-9_]+/", r"\1/<b>/", n) for n in rows})
        listing = "\n  ".join(covered[:40]) or "(nothing)"
        looked = ", ".join(p.replace("{b}", "<b>") for ps in candidates(args, metric).values()
                           for p in ps)
        raise UsageError(f"{args.source or 'the run'} does not cover this workload for "
                         f"'{args.objective}' (looked for {looked}). It has:\n  {listing}\n"
                         "run scripts/choose without --from to measure it")
    entries = decide(found, args, args.objective)
    return report(entries, args, args.objective, source, seconds)


def main(argv):
    return run(choose, argv)
