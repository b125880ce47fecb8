"""ctest cli.table: every row of the README's bad-input tables ("Exit codes and bad input").
A command row exits with its code and prints its line first on stderr, alone. An API row is one
entry of tests/api_misuse.cpp, run on every back-end available here: each answers as the row says
(BACKEND standing for the back-end's name), and every entry has a row. And every command in
scripts/ answers --help with exit 0 and its usage.

Usage: cli_table.py SOURCE_DIR BUILD_DIR   (BUILD_DIR stands in for build/release in the rows)
Standard library only. Exit 0 all rows hold, 1 one does not (each printed as FAIL ...).
"""
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROW = re.compile(r"^\| `(?P<command>[^`]+)` \| (?P<code>\d+) \| `(?P<line>[^`]+)` \|$")
API_ROW = re.compile(r"^\| `(?P<call>[^`]+)` \| `(?P<answer>[^`]+)` \|$")


def section_lines(readme):
    text = readme.read_text(encoding="utf-8")
    return text.split("## Exit codes and bad input", 1)[1].split("\n## ", 1)[0].splitlines()


def table_rows(readme):
    return [m.groupdict() for m in map(ROW.match, section_lines(readme)) if m]


def api_rows(readme):
    return {m["call"]: m["answer"] for m in map(API_ROW.match, section_lines(readme)) if m}


def check_api(readme, build):
    """FAIL lines for the API rows against what wq_api_misuse answers on each back-end."""
    rows = api_rows(readme)
    result = subprocess.run([str(build / "tests" / "wq_api_misuse")], capture_output=True,
                            text=True, timeout=300, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        return [f"FAIL wq_api_misuse: exit {result.returncode}: {result.stderr.strip()}"], 0
    problems, entries = [], set()
    for line in result.stdout.splitlines():
        backend, call, answer = line.split("\t")
        entries.add(call)
        answer = answer.replace(f"'{backend}'", "'BACKEND'")
        if call not in rows:
            problems.append(f"FAIL {call}: tested, but has no row in the README's API table")
        elif rows[call] != answer:
            problems.append(f"FAIL {call} on {backend}: answers {answer!r}, the README says "
                            f"{rows[call]!r}")
    problems += [f"FAIL {call}: a row of the API table that wq_api_misuse does not test"
                 for call in rows if call not in entries]
    return sorted(set(problems)), len(rows)


def check_row(root, build, row):
    command = shlex.split(row["command"])
    if command[0].startswith("build/release/"):
        command[0] = str(build / command[0][len("build/release/"):])
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
    root, build = Path(argv[1]), Path(argv[2])
    rows = table_rows(root / "README.md")
    failures = 0
    for row in rows:
        for problem in check_row(root, build, row):
            print(f"FAIL {row['command']}: {problem}")
            failures += 1
    api_problems, api_count = check_api(root / "README.md", build)
    for problem in api_problems:
        print(problem)
    failures += len(api_problems)
    scripts = sorted(p for p in (root / "scripts").iterdir() if p.is_file() and os.access(p, os.X_OK))
    for script in scripts:
        for problem in check_help(root, script):
            print(f"FAIL {script.name} --help: {problem}")
            failures += 1
    print(f"{len(rows)} command rows, {api_count} API rows and {len(scripts)} --help checks, "
          f"{failures} failures")
    return 1 if failures or len(rows) < 10 or api_count < 10 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
