"""ctest cli.table: every row of the bad-input tables in docs/cli.md. A command row exits with its
code and prints its line first on stderr, alone. An API row is one entry of tests/api_misuse.cpp,
run on every back-end available here: each answers as the row says (BACKEND standing for the
back-end's name), and every entry has a row. And every command in scripts/ has a `--bogus` row and
answers --help with exit 0 and its usage; both run with the installer and the build tools made
unavailable (stand-ins first on PATH that fail and log each call), and must not call them.

Usage: cli_table.py SOURCE_DIR BUILD_DIR   (BUILD_DIR stands in for build/release in the rows)
Standard library only. Exit 0 all rows hold, 1 one does not (each printed as FAIL ...).
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

TABLE = Path("docs") / "cli.md"
# What a command must not run before it has answered --help or refused a flag: the package
# manager (and what wq_ensure_packages asks first) and the build.
UNAVAILABLE = ("apt-get", "apt", "sudo", "dpkg-query", "dpkg", "cmake", "ninja", "ctest")

ROW = re.compile(r"^\| `(?P<command>[^`]+)` \| (?P<code>\d+) \| `(?P<line>[^`]+)` \|$")
API_ROW = re.compile(r"^\| `(?P<call>[^`]+)` \| `(?P<answer>[^`]+)` \|$")


def section_lines(table):
    return table.read_text(encoding="utf-8").splitlines()


class NoInstaller:
    """A PATH whose first folder holds a failing stand-in for each of UNAVAILABLE that logs its
    call: with it, a command that tries to install or build fails, and the log says so."""

    def __init__(self):
        self.folder = tempfile.TemporaryDirectory(prefix="wq-no-installer-")
        self.log = Path(self.folder.name) / "calls.log"
        for tool in UNAVAILABLE:
            stand_in = Path(self.folder.name) / tool
            stand_in.write_text(f"#!/bin/sh\necho \"{tool} $*\" >> '{self.log}'\nexit 1\n")
            stand_in.chmod(0o755)
        self.env = dict(os.environ, CI="true",
                        PATH=f"{self.folder.name}:{os.environ.get('PATH', '')}")

    def calls(self):
        """The stand-ins called since the last look (and forgets them)."""
        if not self.log.exists():
            return []
        lines = self.log.read_text().splitlines()
        self.log.unlink()
        return lines


def table_rows(table):
    return [m.groupdict() for m in map(ROW.match, section_lines(table)) if m]


def api_rows(table):
    return {m["call"]: m["answer"] for m in map(API_ROW.match, section_lines(table)) if m}


def check_api(table, build):
    """FAIL lines for the API rows against what wq_api_misuse answers on each back-end."""
    rows = api_rows(table)
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
            problems.append(f"FAIL {call}: tested, but has no row in {TABLE}'s API table")
        elif rows[call] != answer:
            problems.append(f"FAIL {call} on {backend}: answers {answer!r}, {TABLE} says "
                            f"{rows[call]!r}")
    problems += [f"FAIL {call}: a row of the API table that wq_api_misuse does not test"
                 for call in rows if call not in entries]
    return sorted(set(problems)), len(rows)


def bogus_row(command):
    """True for a row that gives a command a flag it does not have (run without an installer)."""
    return command.startswith("scripts/") and "--bogus" in shlex.split(command)


def check_row(root, build, row, no_installer):
    command = shlex.split(row["command"])
    if command[0].startswith("build/release/"):
        command[0] = str(build / command[0][len("build/release/"):])
    bogus = bogus_row(row["command"])
    env = no_installer.env if bogus else dict(os.environ, CI="true")
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300,
                            stdin=subprocess.DEVNULL, env=env)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    problems = []
    if bogus and (calls := no_installer.calls()):
        problems.append(f"ran {calls!r} before refusing the flag")
    if result.returncode != int(row["code"]):
        problems.append(f"exit {result.returncode}, expected {row['code']}")
    if not lines or lines[0] != row["line"]:
        problems.append(f"first line of stderr {lines[0] if lines else '(none)'!r}, expected "
                        f"{row['line']!r}")
    elif len(lines) > 1 and int(row["code"]) == 2:
        problems.append(f"more than one line on stderr: {lines[1:]!r}")
    return problems


def check_help(root, script, no_installer):
    result = subprocess.run([str(script), "--help"], cwd=root, capture_output=True, text=True,
                            timeout=300, stdin=subprocess.DEVNULL, env=no_installer.env)
    if calls := no_installer.calls():
        return [f"ran {calls!r} to answer --help"]
    if result.returncode != 0:
        return [f"exit {result.returncode}: {result.stderr.strip()[:300]}"]
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
    rows = table_rows(root / TABLE)
    no_installer = NoInstaller()
    failures = 0
    for row in rows:
        for problem in check_row(root, build, row, no_installer):
            print(f"FAIL {row['command']}: {problem}")
            failures += 1
    api_problems, api_count = check_api(root / TABLE, build)
    for problem in api_problems:
        print(problem)
    failures += len(api_problems)
    scripts = sorted(p for p in (root / "scripts").iterdir() if p.is_file() and os.access(p, os.X_OK))
    with_bogus = {shlex.split(row["command"])[0] for row in rows if bogus_row(row["command"])}
    for script in scripts:
        problems = check_help(root, script, no_installer)
        if f"scripts/{script.name}" not in with_bogus:
            problems.append(f"no `scripts/{script.name} --bogus` row in {TABLE}")
        for problem in problems:
            print(f"FAIL {script.name}: {problem}")
            failures += 1
    print(f"{len(rows)} command rows, {api_count} API rows and {len(scripts)} --help checks, "
          f"{failures} failures")
    return 1 if failures or len(rows) < 10 or api_count < 10 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
