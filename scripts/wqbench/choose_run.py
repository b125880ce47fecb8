"""scripts/choose's measuring half: how many repetitions fit the budget, and the targeted run of
wq_bench --wq_workload (repetitions interleaved at random) for every available back-end."""
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from wqbench.cli import UsageError

ROOT = Path(__file__).resolve().parents[2]


def rate_text(rate):
    return "saturate" if rate <= 0 else str(int(round(rate)))


def cpus():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def worker_counts(args):
    """The worker counts to measure: the one asked for, or 1, the CPUs and twice the CPUs."""
    if args.workers != "auto":
        return [args.workers]
    c = cpus()
    return sorted({1, c, 2 * c})


def workload_fields(args, workers):
    """The workload as wq_bench's field:value parts (bench/workload.hpp), in its suffix's order:
    joined with ',' they are a --wq_workload spec, with '/' the benchmark name's tail."""
    fields = [f"producers:{args.producers}", f"workers:{workers}", f"work_ns:{args.work_ns}",
              f"rate:{rate_text(args.rate)}", f"batch:{args.batch}"]
    if args.serial:
        fields.append(f"serial:{args.serial}")
    if args.priority_mix:
        fields.append(f"high_pct:{args.priority_mix}")
    return fields


def default_sends(binary, spec):
    """How many items wq_bench sends per repetition of this workload by default (0: saturated):
    asked of wq_bench, whose Workload::sends_per_repetition is the rule."""
    result = subprocess.run([binary, f"--wq_workload={spec}", "--wq_print_workloads"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise UsageError(f"wq_bench refused the workload: {result.stderr.strip()}")
    return int(result.stdout.split("sends:")[1].split()[0])


def plan(args, backends, workloads, sends):
    """(repetitions, sends per repetition or None, estimated seconds) for `workloads` worker
    counts of every back-end, `sends` items per repetition at a rate (wq_bench's default)."""
    if args.rate <= 0:
        per_run = args.min_time * 1.6 + 0.35  # Google Benchmark's ramp-up, 100 ms idle, start-up
        sends = None
    else:
        per_run = sends / args.rate + 0.13
    runs_per_rep = len(backends) * workloads
    # As many repetitions as the budget holds (more make a lead easier to confirm), 3 to 15.
    reps = args.repetitions or max(3, min(15, int(args.budget / (runs_per_rep * per_run))))
    if sends and not args.repetitions and reps * runs_per_rep * per_run > args.budget:
        # Sparse rates: fewer items per repetition (never under 500: p99 is then its 5th worst).
        fitted = int((args.budget / (reps * runs_per_rep) - 0.13) * args.rate)
        sends = max(500, min(sends, fitted))
        per_run = sends / args.rate + 0.13
    return reps, sends, reps * runs_per_rep * per_run


def list_backends(binary, spec):
    result = subprocess.run([binary, f"--wq_workload={spec}", "--benchmark_list_tests=true"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise UsageError(f"wq_bench refused the workload: {result.stderr.strip()}")
    return sorted({line.split("/")[1] for line in result.stdout.split() if line.startswith("workload/")})


def measure(args):
    binary = args.bench
    specs = []
    for w in worker_counts(args):
        specs.append(",".join(workload_fields(args, w)))
    backends = list_backends(binary, specs[0])
    reps, sends, estimate = plan(args, backends, len(specs), default_sends(binary, specs[0]))
    if sends:
        specs = [f"{s},sends:{sends}" for s in specs]
    host = os.uname().nodename.split(".")[0] or "unknown-host"
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip() or "nogit"
    out_dir = ROOT / "results" / host
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"choose-{datetime.now(timezone.utc).strftime('%Y-%m-%dT%H%M%SZ')}-{sha}.json"
    what = f"{len(backends)} back-ends ({', '.join(backends)})"
    if len(specs) > 1:
        what += f" × {len(specs)} worker counts ({', '.join(map(str, worker_counts(args)))})"
    per = f", {sends} items each" if sends else ""
    print(f"==> measuring {what} × {reps} repetitions{per}, interleaved: about "
          f"{estimate:.0f} s", file=sys.stderr, flush=True)
    if estimate > args.budget * 1.2:
        print(f"note: that is over the {args.budget:.0f} s budget (--budget): this workload needs "
              "at least 3 repetitions of each back-end to say anything", file=sys.stderr)
    command = [binary, *(f"--wq_workload={s}" for s in specs),
               f"--benchmark_repetitions={reps}", "--benchmark_enable_random_interleaving=true",
               f"--benchmark_min_time={args.min_time}", f"--benchmark_out={out}.partial",
               "--benchmark_out_format=json", f"--benchmark_context=wq.git_revision={sha}"]
    if args.no_pin:
        command.append("--wq_no_pin")
    started = time.monotonic()
    result = subprocess.run(command, stdout=subprocess.DEVNULL)
    if result.returncode != 0:
        raise UsageError(f"wq_bench failed (exit {result.returncode})")
    Path(f"{out}.partial").rename(out)
    return out, time.monotonic() - started


