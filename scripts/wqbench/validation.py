"""The A/B gate's validation table, from kept scripts/regress decisions: per gated row, what an
injection sized as a share of the row's own cost (scripts/regress --inject 'PATH:BACKEND=N%')
did — the measured slowdown (median of the runs' own estimates, and their range) and how many
runs the gate failed on it — and how many A/A runs (no injection) it failed. docs/regression.md.

Usage: python3 -m wqbench validation [--aa DIR] DIR...

Each DIR holds one set's decision*.json (scripts/regress's build/regress/out/decision.json, kept
per run): every injected set's runs carry the same spec; --aa DIR's carry none. A row's "caught 19
in 20 at" is the smallest share of its own cost whose set detected it in at least 95% of its runs
(— when no set did).
"""
import json
import statistics
from pathlib import Path

from wqbench.cli import OK, InputError, Parser, run


def read_set(directory):
    """[decision] of a directory, in file order; InputError if there are none."""
    files = sorted(Path(directory).glob("decision*.json"))
    if not files:
        raise InputError(f"'{directory}': no decision*.json in it (keep each scripts/regress "
                         "run's build/regress/out/decision.json there)")
    decisions = []
    for path in files:
        try:
            decisions.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            raise InputError(f"{path}: not a scripts/regress decision ({error})") from error
    return decisions


def summarize(decisions):
    """{row name: {"runs", "caught", "effects", "path", "share"}} over one set's runs."""
    rows = {}
    for decision in decisions:
        plan = decision.get("inject", {}).get("plan", {})
        for row in decision.get("rows", []):
            if row.get("action") != "gate":
                continue
            entry = rows.setdefault(row["name"], {"runs": 0, "caught": 0, "effects": [],
                                                  "path": None, "share": None})
            entry["runs"] += 1
            entry["caught"] += 1 if row.get("fails") else 0
            entry["effects"].append(row["effect"])
            if row["name"] in plan:
                entry["path"] = plan[row["name"]]["path"]
                entry["share"] = plan[row["name"]]["share"]
    return rows


def percent(value):
    return f"{value * 100:+.1f}%"


def table(sets, aa_rows):
    """The markdown table: a row per gated benchmark, a column group per share measured."""
    shares = sorted({entry["share"] for rows in sets for entry in rows.values()
                     if entry["share"] is not None})
    names = sorted({name for rows in sets for name, entry in rows.items()
                    if entry["share"] is not None})
    head = ["gated row", "path"]
    for share in shares:
        head += [f"at {share * 100:g}%: measured slowdown, median (range)",
                 f"at {share * 100:g}%: caught"]
    head += ["caught in ≥ 95% of runs (19 in 20) at", "A/A false alarms"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        cells = [f"`{name}`", ""]
        best = None
        for share in shares:
            entry = next((rows[name] for rows in sets
                          if name in rows and rows[name]["share"] == share), None)
            if entry is None:
                cells += ["", ""]
                continue
            cells[1] = cells[1] or entry["path"]
            effects = entry["effects"]
            cells += [f"{percent(statistics.median(effects))} ({percent(min(effects))} … "
                      f"{percent(max(effects))})",
                      f"**{entry['caught']}** of {entry['runs']}"]
            if best is None and entry["caught"] >= 0.95 * entry["runs"]:
                best = share
        cells.append(f"{best * 100:g}%" if best is not None else "—")
        aa = aa_rows.get(name)
        cells.append(f"{aa['caught']} of {aa['runs']}" if aa else "not run")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def validation(argv):
    parser = Parser(prog="python3 -m wqbench validation", description=__doc__)
    parser.add_argument("sets", nargs="+", metavar="DIR")
    parser.add_argument("--aa", metavar="DIR")
    args = parser.parse_args(argv)
    sets = []
    for directory in args.sets:
        decisions = read_set(directory)
        specs = {d.get("inject", {}).get("spec") for d in decisions}
        if None in specs or len(specs) != 1:
            raise InputError(f"'{directory}': its runs must share one --inject share spec "
                             f"(found {sorted(str(s) for s in specs)})")
        sets.append(summarize(decisions))
    aa_rows = {}
    if args.aa:
        aa = read_set(args.aa)
        if any("inject" in d for d in aa):
            raise InputError(f"--aa '{args.aa}': an A/A run injects nothing (found an --inject run)")
        aa_rows = summarize(aa)
        failed = sum(1 for d in aa if any(row.get("fails") for row in d.get("rows", [])))
        # a blank line after: a markdown table may not interrupt a paragraph
        print(f"A/A: {failed} of {len(aa)} runs failed the gate (a gated row slower with "
              "nothing injected)\n")
    for line in table(sets, aa_rows):
        print(line)
    return OK


def main(argv):
    return run(validation, argv)
