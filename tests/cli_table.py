"""ctest cli.table: every row of the README's bad-input table ("Exit codes and bad input") exits
with its code and prints its line first on stderr, alone; and every command in scripts/ answers
--help with exit 0 and its usage.

Usage: cli_table.py SOURCE_DIR WQ_BENCH   (WQ_BENCH stands in for build/release/bench/wq_bench)
Standard library only. Exit 0 all rows hold, 1 one does not (each printed as FAIL ...).
"""
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROW = re.compile(r"^\| `(?P<command>[^`]+)` \| (?P<code>\d+) \| `(?P<line>[^`]+)` \|$")


def table_rows(readme):
    text = readme.read_text(encoding="utf-8")
    section = text.split("## Exit codes and bad input", 1)[1].split("\n## ", 1)[0]
    return [m.groupdict() for m in map(ROW.match, section.splitlines()) if m]


def check_row(root, bench, row):
    command = shlex.split(row["command"])
    if command[0] == "build/release/bench/wq_bench":
        command[0] = bench
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300,
                            stdin=subprocess.DEVNULL, env=dict(os.environ, CI="true"))
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    problems = []
    if result.returncode != int(row["code"]):
        problems.append(f"exit {result.returncode}, expected {row['code']}")
    if not lines or lines[0] != row["line"]:
        problems.append(f"first line of stderr {lines[0] if lines else '(none)'!r}, expected "
                        f"{row['line']!r}")
    elif len(lines) > 1 and int(row["code"]) == 2:
        problems.append(f"more than one line on stderr: {lines[1:]!r}")
    return problems


def check_help(root, script):
    result = subprocess.run([str(script), "--help"], cwd=root, capture_output=True, text=True,
                            timeout=300, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        return [f"exit {result.returncode}"]
    if script.name not in result.stdout.split("\n", 3)[0] + result.stdout.split("\n", 3)[-1]:
        return [f"--help does not name the command: {result.stdout[:200]!r}"]
    if "set -euo" in result.stdout or re.search(r"^source ", result.stdout, re.MULTILINE):
        return [f"--help prints the script's code: {result.stdout!r}"]
    return []


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root, bench = Path(argv[1]), argv[2]
    rows = table_rows(root / "README.md")
    failures = 0
    for row in rows:
        for problem in check_row(root, bench, row):
            print(f"FAIL {row['command']}: {problem}")
            failures += 1
    scripts = sorted(p for p in (root / "scripts").iterdir() if p.is_file() and os.access(p, os.X_OK))
    for script in scripts:
        for problem in check_help(root, script):
            print(f"FAIL {script.name} --help: {problem}")
            failures += 1
    print(f"{len(rows)} bad-input rows and {len(scripts)} --help checks, {failures} failures")
    return 1 if failures or len(rows) < 10 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
