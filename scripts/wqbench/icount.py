"""The counting half of scripts/icount: runs wq_icount under callgrind for every back-end, divides
the instructions by the items, and compares with (or rewrites) the committed baseline.

Usage: python3 -m wqbench icount WQ_ICOUNT BASELINE.json POLICY.toml OUT_DIR [--update]
                                 [--repeat N]

Standard library only. Exit 0: no back-end above the threshold; 1: one is; 2: bad input or a run
that failed.
"""
import json
import re
import subprocess
import tomllib
from pathlib import Path

from wqbench.cli import OK, REGRESSION, InputError, Parser, run

def count(binary, backend, items, out_dir, run):
    out = out_dir / f"callgrind.{backend}.{run}.out"
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--fair-sched=yes",
               f"--callgrind-out-file={out}",
               binary, backend, str(items)]
    try:
        # valgrind ignores SIGTERM while a thread is blocked in a syscall: subprocess's timeout
        # kills (SIGKILL).
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{backend}: no result after 600 s under valgrind") from None
    if result.returncode != 0:
        raise RuntimeError(f"{backend}: {' '.join(command)} exited {result.returncode}: "
                           f"{result.stderr.strip()[-600:]}")
    # "totals:" sums every part; the header's "summary:" is 0 when instrumentation starts late.
    totals = re.search(r"^totals:\s+(\d+)", out.read_text(), re.MULTILINE)
    if totals is None:
        raise RuntimeError(f"{backend}: no totals in {out}")
    return int(totals.group(1))


def load_settings(path):
    try:
        with open(path, "rb") as handle:
            settings = tomllib.load(handle)["icount"]
        return int(settings["items"]), float(settings["threshold"])
    except (OSError, KeyError, ValueError, tomllib.TOMLDecodeError) as error:
        raise InputError(f"policy '{path}': no usable [icount] items/threshold ({error})") from error


def count_all(binary, items, out_dir, repeat):
    """({back-end: instructions per item}, {back-end: why it is not counted})."""
    # "name" or "name<TAB>why it cannot be counted" per back-end: wq_icount decides.
    listing = subprocess.run([binary, "--list"], capture_output=True, text=True,
                             check=True).stdout.splitlines()
    measured, excluded = {}, {}
    for backend, _, not_countable in (line.partition("\t") for line in listing if line):
        if not_countable:
            excluded[backend] = not_countable
            continue
        counts = [count(binary, backend, items, out_dir, run_index) for run_index in range(repeat)]
        if len(set(counts)) != 1:
            raise InputError(f"{backend}: {repeat} runs of the same build counted "
                             f"{sorted(set(counts))}: not deterministic")
        measured[backend] = counts[0] / items
        if repeat > 1:
            print(f"{backend}: {repeat} runs, identical counts ({counts[0]})")
    return measured, excluded


def write_baseline(path, items, measured, excluded):
    Path(path).write_text(json.dumps({
        "about": "instructions per dispatched item, put and dispatch (scripts/icount, "
                 "bench/icount.cpp): callgrind, one worker, Debian bookworm's toolchain; "
                 "rewrite with scripts/icount --update",
        "items": items,
        "instructions_per_item": {b: round(v, 2) for b, v in sorted(measured.items())},
        "excluded": excluded}, indent=2) + "\n", encoding="utf-8")
    print(f"baseline written: {path}")
    for backend, value in sorted(measured.items()):
        print(f"  {backend:<8} {value:10.1f} instructions per item")


def judge(path, threshold, measured, excluded):
    """Prints the table against the baseline; the exit code."""
    try:
        reference = json.loads(Path(path).read_text(encoding="utf-8"))["instructions_per_item"]
    except (OSError, ValueError, KeyError) as error:
        raise InputError(f"baseline '{path}' unreadable ({error}); create it with "
                         "scripts/icount --update") from error
    failed = []
    print(f"{'back-end':<10}{'baseline':>12}{'now':>12}{'change':>9}  verdict (threshold "
          f"+{threshold * 100:.1f}%)")
    for backend, value in sorted(measured.items()):
        base = reference.get(backend)
        if base is None:
            print(f"{backend:<10}{'-':>12}{value:12.1f}{'':>9}  new back-end: add it with --update")
            continue
        change = (value - base) / base
        verdict = "ok"
        if change > threshold:
            verdict = "MORE INSTRUCTIONS: FAIL"
            failed.append(backend)
        elif change < -threshold:
            verdict = "fewer: update the baseline (scripts/icount --update) to lock it in"
        print(f"{backend:<10}{base:12.1f}{value:12.1f}{change * 100:>+8.2f}%  {verdict}")
    for backend, reason in excluded.items():
        print(f"{backend:<10} not counted: {reason}")
    if failed:
        print(f"REGRESSION: more instructions per item for {', '.join(failed)}")
        return REGRESSION
    print("no instruction-count regression")
    return OK


def icount(argv):
    parser = Parser(prog="python3 -m wqbench icount", description=__doc__)
    parser.add_argument("binary")
    parser.add_argument("baseline")
    parser.add_argument("policy")
    parser.add_argument("out_dir")
    parser.add_argument("--update", action="store_true")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    items, threshold = load_settings(args.policy)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        measured, excluded = count_all(args.binary, items, out_dir, args.repeat)
    except RuntimeError as error:
        raise InputError(str(error)) from error
    if args.update:
        write_baseline(args.baseline, items, measured, excluded)
        return OK
    return judge(args.baseline, threshold, measured, excluded)


def main(argv):
    return run(icount, argv)
