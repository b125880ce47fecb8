#!/usr/bin/env python3
"""The counting half of scripts/icount: runs wq_icount under callgrind for every back-end, divides
the instructions by the items, and compares with (or rewrites) the committed baseline.

Usage: icount.py WQ_ICOUNT BASELINE.json POLICY.toml OUT_DIR [--update] [--repeat N]

Standard library only. Exit 0: no back-end above the threshold; 1: one is; 2: bad input or a run
that failed.
"""
import argparse
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

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


def main(argv):
    parser = argparse.ArgumentParser(prog="scripts/icount")
    parser.add_argument("binary")
    parser.add_argument("baseline")
    parser.add_argument("policy")
    parser.add_argument("out_dir")
    parser.add_argument("--update", action="store_true")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        with open(args.policy, "rb") as handle:
            settings = tomllib.load(handle)["icount"]
        items, threshold = int(settings["items"]), float(settings["threshold"])
    except (OSError, KeyError, ValueError, tomllib.TOMLDecodeError) as error:
        print(f"error: policy '{args.policy}': no usable [icount] items/threshold ({error})",
              file=sys.stderr)
        return 2
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # "name" or "name<TAB>why it cannot be counted" per back-end: wq_icount decides.
    listing = subprocess.run([args.binary, "--list"], capture_output=True, text=True,
                             check=True).stdout.splitlines()
    backends = [line.partition("\t") for line in listing if line]

    measured, excluded = {}, {}
    try:
        for backend, _, not_countable in backends:
            if not_countable:
                excluded[backend] = not_countable
                continue
            counts = [count(args.binary, backend, items, out_dir, run) for run in range(args.repeat)]
            if len(set(counts)) != 1:
                print(f"error: {backend}: {args.repeat} runs of the same build counted "
                      f"{sorted(set(counts))}: not deterministic", file=sys.stderr)
                return 2
            measured[backend] = counts[0] / items
            if args.repeat > 1:
                print(f"{backend}: {args.repeat} runs, identical counts ({counts[0]})")
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    if args.update:
        Path(args.baseline).write_text(json.dumps({
            "about": "instructions per dispatched item, put and dispatch (scripts/icount, "
                     "bench/icount.cpp): callgrind, one worker, Debian bookworm's toolchain; "
                     "rewrite with scripts/icount --update",
            "items": items,
            "instructions_per_item": {b: round(v, 2) for b, v in sorted(measured.items())},
            "excluded": excluded}, indent=2) + "\n", encoding="utf-8")
        print(f"baseline written: {args.baseline}")
        for backend, value in sorted(measured.items()):
            print(f"  {backend:<8} {value:10.1f} instructions per item")
        return 0

    try:
        baseline = json.loads(Path(args.baseline).read_text(encoding="utf-8"))
        reference = baseline["instructions_per_item"]
    except (OSError, ValueError, KeyError) as error:
        print(f"error: baseline '{args.baseline}' unreadable ({error}); create it with "
              "scripts/icount --update", file=sys.stderr)
        return 2
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
        return 1
    print("no instruction-count regression")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
