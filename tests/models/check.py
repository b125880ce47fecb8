"""ctest model.*: checks one Promela model of tests/models/ with spin, exhaustively.

Usage: check.py SPIN CC MODEL.pml [-DVARIANT] --expect pass|counterexample

spin -a writes the verifier (pan.c) into a scratch folder, CC builds it (-DSAFETY: safety
properties only — the models' assertions, checked at every state and when nothing can move), and
pan searches every interleaving (-E: a process blocked in a wait is not itself an error; the
models' monitors say when blocking is one). --expect pass: exit 0 when pan reports no error and
the search was complete. --expect counterexample: exit 0 when pan finds one (a broken variant),
printing the violated assertion. Standard library only.
"""
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def main(argv):
    args = argv[1:]
    if len(args) < 5 or args[-2] != "--expect" or args[-1] not in ("pass", "counterexample"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    spin, cc, model, defines, expect = args[0], args[1], Path(args[2]), args[3:-2], args[-1]
    with tempfile.TemporaryDirectory(prefix="wq-model-") as scratch:
        for source in model.parent.glob("*.pml"):
            shutil.copy(source, scratch)
        steps = [
            [spin, "-a", *defines, model.name],
            # -O0: pan compiles in 0.3 s, against 1.5-1.8 s at -O2; only the eventcount's search
            # (8 M states) takes longer for it, 9 s against 5.
            [cc, "-O0", "-DSAFETY", "-o", "pan", "pan.c"],
            ["./pan", "-E", "-m2000000"],
        ]
        for step in steps:
            result = subprocess.run(step, cwd=scratch, capture_output=True, text=True)
            if step[0] != "./pan" and result.returncode != 0:
                print(f"{' '.join(step)} failed:\n{result.stdout}{result.stderr}")
                return 1
    out = result.stdout
    errors = re.search(r"errors: (\d+)", out)
    states = re.search(r"(\d+) states, stored", out)
    if errors is None or states is None:
        print(f"pan's report not understood:\n{out}")
        return 1
    violated = re.findall(r"^pan:\d+: (.*)$", out, re.MULTILINE)
    name = f"{model.stem}{' ' + ' '.join(defines) if defines else ''}"
    if "max search depth too small" in out:
        print(f"{name}: the search was cut short (depth limit):\n{out}")
        return 1
    if expect == "pass":
        if int(errors.group(1)) == 0:
            print(f"{name}: no error in {states.group(1)} states")
            return 0
        print(f"{name}: {errors.group(1)} error(s): {'; '.join(violated)}")
        return 1
    if int(errors.group(1)) > 0:
        print(f"{name}: counter-example found, as expected: {'; '.join(violated)}")
        return 0
    print(f"{name}: no counter-example in {states.group(1)} states, but this variant is broken")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
