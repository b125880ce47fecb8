"""python3 -m wqbench docs [--check | --update] — the figures in README.md and docs/*.md cannot go
stale: each one quoted from a run is tied to its result file and re-derived from it, and the
summary blocks are generated from their files, not pasted.

In the Markdown (HTML comments: GitHub shows none of them):

  <!-- figures: results/vm/RUN.json -->    the file the tags below it on the page read from
  29.2 M/s<!-- fig: throughput/native/producers:1/workers:1/work_ns:0/batch:1 items_per_second -->
      the number just before the tag (its unit: ns µs ms s, k/s M/s G/s, k M, ×, %) is checked
      against the median of that counter over the run's repetitions, to the digits quoted (half a
      unit in its last digit); a number with no unit of its own takes the one after its tag, or
      after the next number (`103<!-- fig: ... -->–131 ns<!-- fig: ... -->`)
  8.2×<!-- fig: NAME COUNTER / NAME COUNTER -->        a ratio of two figures
  20.4<!-- fig: min NAME COUNTER -->                   min or max over the repetitions (a range)
  0.57<!-- fig: lo serial/{mutex,native}/x rtt_ns -->  the lowest (hi: highest) of several medians
  <!-- fig: FILE :: NAME COUNTER -->                   another file than the page's (each term
                                                       of a ratio may name its own)
  <!-- fig: FILE :: json A.B -->                       a number in a JSON file that is not a run
  <!-- generated: summary [--headline] FILE -->        followed by a ``` block and
  <!-- /generated -->                                  the block is what `scripts/summary` prints
  <!-- generated: choose ARGS --from FILE -->          ... or `scripts/choose` answering from FILE
  <!-- generated: validation [--aa DIR] DIR... -->     ... or the A/B gate's validation table from
                                                       kept decisions (markdown lines, unfenced)
  <!-- unchecked: WHERE THE FIGURES CAME FROM -->      the figures up to <!-- /unchecked --> are
                                                       not from a committed file; says where from

--check (the default) fails, naming the file and line, on a figure that differs from its file, a
tag it cannot evaluate, a generated block that differs from what its command prints now, and a
measured figure in the text (a ratio with ×, or a time or a rate that is not a round parameter:
not 1, 2, 3 or 5 times a power of ten) that is neither tagged nor inside an unchecked region. --update rewrites the generated blocks (never a quoted figure: the text
around a figure says what it means, so a changed figure is for a person to rewrite).

Exit 0 all hold, 1 one does not (each printed), 2 bad input. Standard library only.
"""
import contextlib
import io
import json
import re
import statistics
from pathlib import Path

from wqbench.cli import OK, REGRESSION, InputError, Parser, run
from wqbench.results import load, rows_by_name

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["README.md", "docs/*.md"]

# A number as the docs write it (1 234, 1,234, 0.83, 10^5 is not one), then its unit.
UNITS = {"ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9,
         "G/s": 1e9, "M/s": 1e6, "k/s": 1e3, "/s": 1.0, "G": 1e9, "M": 1e6, "k": 1e3,
         "×": 1.0, "%": 1.0}
UNIT = r"(?:ns|µs|us|ms|G/s|M/s|k/s|/s|s|G|M|k|×|%)"
NUMBER = r"\d{1,3}(?:[  ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
QUOTED = re.compile(rf"(?P<number>{NUMBER})\s?(?P<unit>{UNIT})?$")
# A number with no unit of its own takes the unit written right after its tag, or after the next
# number ("0.57<tag>–0.79 µs", "42.2<tag> / 35.9 M/s", "40.8<tag> of 45.9 M/s", "3.39<tag> µs").
BORROWED = re.compile(rf"^\s*(?:(?:[–/-]|to|and|of)\s*(?:{NUMBER})\s?)?(?P<unit>{UNIT})(?![\w])")
# What the docs call a measured figure: a ratio (×), or a time or a rate that is not a round
# parameter — a scenario's 3 ms idle, 10 µs of work, 10 k/s — (a round one is 1, 2, 3 or 5 times a
# power of ten); never a size, a count or a %, nor a bound (a figure after ≤ ≥ < >: a goal).
MEASURED = re.compile(rf"(?<![\w.^/:])(?P<number>{NUMBER})\s?(?P<unit>ns|µs|ms|M/s|k/s|×)(?![\w/])")
ROUND = re.compile(r"[1235]0*")


def measured(found):
    """Whether a MEASURED match is a figure someone measured (not a round parameter)."""
    return found["unit"] == "×" or not ROUND.fullmatch(re.sub(r"[  ,]", "", found["number"]))
STATS = {"median": statistics.median, "min": min, "max": max, "lo": None, "hi": None}
TAG = re.compile(r"<!--\s*(?P<kind>figures|fig|generated|/generated|unchecked|/unchecked)"
                 r"\s*:?\s*(?P<body>.*?)\s*-->")


class Page:
    """One Markdown file's lines and the problems found in it."""

    def __init__(self, path):
        self.path = path
        self.name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
        self.lines = path.read_text(encoding="utf-8").split("\n")
        self.problems = []
        self.figures = 0  # fig tags checked

    def problem(self, number, text):
        self.problems.append(f"{self.name}:{number}: {text}")


class Files:
    """Result files, loaded once each."""

    def __init__(self):
        self.loaded = {}

    def data(self, name):
        if name not in self.loaded:
            if not (ROOT / name).is_file():
                raise InputError(f"'{name}' is not a file of this repository")
            self.loaded[name] = load(str(ROOT / name))
        return self.loaded[name]

    def json_value(self, name, path):
        try:
            value = json.loads((ROOT / name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise InputError(f"cannot read '{name}' as JSON: {error}") from error
        for key in path.split("."):
            if not isinstance(value, dict) or key not in value:
                raise InputError(f"{name} has no {path}")
            value = value[key]
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise InputError(f"{name}: {path} is not a number")
        return float(value)

    def figure(self, default, expression):
        """The value of 'TERM' or 'TERM / TERM', a TERM being [FILE ::] [STAT] NAME COUNTER (FILE
        when not given: `default`): STAT over the run's repetitions of NAME's COUNTER (median when
        not given, min, max), or, NAME holding {a,b,...}, lo or hi: the lowest or highest of those
        benchmarks' medians (a range over back-ends); or [FILE ::] json A.B.C: a number of a JSON
        file that is not a run. A ratio's terms may come from two files."""
        values = []
        for part in expression.split(" / "):
            source, _, term = part.rpartition("::")
            source = source.strip() or default
            if not source:
                raise InputError("a fig tag with no file: add <!-- figures: FILE --> above it, "
                                 "or FILE :: in the tag")
            term = term.strip()
            values.append(self.json_value(source, term[5:].strip()) if term.startswith("json ")
                          else self.term(source, term.split()))
        if len(values) > 2:
            raise InputError(f"'{expression}': one ratio at most (... / ...)")
        return values[0] / values[1] if len(values) == 2 else values[0]

    def term(self, name, words):
        stat, words = (words[0], words[1:]) if words[:1] and words[0] in STATS else ("median", words)
        if len(words) != 2:
            raise InputError(f"'{' '.join(words)}': use [median|min|max|lo|hi] NAME COUNTER, or "
                             "a ratio of two: ... / ...")
        benchmark, counter = words
        names = expand(benchmark)
        if (len(names) > 1) != (stat in ("lo", "hi")):
            raise InputError(f"'{benchmark}': lo and hi take NAME{{a,b,...}}, the others one name")
        rows = rows_by_name(self.data(name))[0]
        medians = []
        for one in names:
            samples = [float(row[counter]) for row in rows.get(one, []) if counter in row]
            if not samples:
                raise InputError(f"{name} has no {counter} for {one}")
            medians.append(STATS[stat](samples) if stat not in ("lo", "hi") else
                           statistics.median(samples))
        return min(medians) if stat == "lo" else max(medians) if stat == "hi" else medians[0]


def expand(name):
    """'serial/{mutex,native}/x' -> ['serial/mutex/x', 'serial/native/x']."""
    found = re.search(r"\{([^{}]*)\}", name)
    if not found:
        return [name]
    return [expanded for choice in found[1].split(",")
            for expanded in expand(name[:found.start()] + choice + name[found.end():])]


def quoted_value(before, after):
    """(value, half a unit in its last digit) of the number the text ends with, or None."""
    found = QUOTED.search(before.rstrip("*`_ "))
    if not found:
        return None
    digits = re.sub(r"[  ,]", "", found["number"])
    unit = found["unit"] or ((borrowed := BORROWED.match(TAG.sub("", after))) and
                             borrowed["unit"]) or ""
    scale = UNITS.get(unit, 1.0)
    decimals = len(digits.partition(".")[2])
    return float(digits) * scale, 0.5 * 10 ** -decimals * scale


def check_figure(page, number, files, default, body, before, after):
    page.figures += 1
    quoted = quoted_value(before, after)
    if quoted is None:
        page.problem(number, f"no number just before the tag '{body}'")
        return
    try:
        actual = files.figure(default, body)
    except InputError as error:
        page.problem(number, str(error))
        return
    value, tolerance = quoted
    if abs(actual - value) > tolerance * 1.0001 + 1e-12:
        page.problem(number, f"quotes {before.rstrip()[-24:].strip()!r}, but its file gives "
                             f"{actual:.6g} for {body}")


def generated_text(command, files):
    """What a generated block's command prints now: `summary [--headline] FILE`, or `choose ...
    --from FILE` (scripts/choose answering from a stored run)."""
    # pylint: disable=import-outside-toplevel  # each only when a page has such a block
    words = command.split()
    if words[:1] == ["summary"] and (len(words) == 2 or words[1:2] == ["--headline"] and
                                     len(words) == 3):
        from wqbench import summary
        data = files.data(words[-1])
        text = summary.headline(data)[0] if "--headline" in words else summary.render(data)[0]
        return text.strip("\n").split("\n")
    if words[:1] == ["choose"] and "--from" in words[:-1]:
        from wqbench import choose
        source = words[words.index("--from") + 1]
        files.data(source)  # a file of this repository, named as such when it is not
        args = [str(ROOT / word) if word == source else word for word in words[1:]]
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            code = choose.main(args)
        if code not in (0,):
            raise InputError(f"'{command}' exits {code}")
        return printed.getvalue().replace(str(ROOT) + "/", "").strip("\n").split("\n")
    if words[:1] == ["validation"] and len(words) > 1:
        from wqbench import validation
        args = [word if word.startswith("-") else str(ROOT / word) for word in words[1:]]
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            code = validation.main(args)
        if code != 0:
            raise InputError(f"'{command}' exits {code}")
        return printed.getvalue().replace(str(ROOT) + "/", "").strip("\n").split("\n")
    raise InputError(f"'{command}': use summary [--headline] FILE, choose ... --from FILE, or "
                     "validation [--aa DIR] DIR...")


def scan(page, files, update):
    """Checks a page; with update, rewrites its generated blocks in page.lines."""
    default, unchecked, fence, out = "", None, False, []
    lines, i = page.lines, 0
    while i < len(lines):
        line, number = lines[i], i + 1
        if line.startswith("```"):
            fence = not fence
        # Inline code shows a tag, it is not one: blanked out (positions kept).
        masked = re.sub(r"`[^`]*`", lambda code: " " * len(code.group()), line)
        # The prose with each tag as one \0, and where in it unchecked regions open and close.
        prose, events, last, inside = "", [], 0, unchecked is not None
        for tag in TAG.finditer(masked) if not fence else ():
            kind, body = tag["kind"], tag["body"]
            prose += masked[last:tag.start()] + "\0"
            last = tag.end()
            if kind == "figures":
                default = body
            elif kind == "fig":
                check_figure(page, number, files, default, body, line[:tag.start()],
                             line[tag.end():])
            elif kind == "unchecked":
                if not body:
                    page.problem(number, "an unchecked region must say where its figures came from")
                unchecked = number
                events.append((len(prose), True))
            elif kind == "/unchecked":
                unchecked = None
                events.append((len(prose), False))
        prose += masked[last:]
        for found in MEASURED.finditer(prose) if not fence else ():
            within = inside
            for position, opens in events:
                within = opens if position <= found.start() else within
            goal = prose[:found.start()].rstrip().endswith(("≤", "≥", "<", ">"))
            if measured(found) and not goal and not within and \
                    not prose[found.end():].lstrip(" *_").startswith("\0"):
                page.problem(number, f"'{found.group()}' is neither tied to a result file "
                                     "(<!-- fig: ... -->) nor in an unchecked region")
        generated = TAG.search(masked) if not fence else None
        if generated and generated["kind"] == "generated":
            i = generated_block(page, files, update, i, generated["body"], out)
            continue
        out.append(line)
        i += 1
    if unchecked is not None:
        page.problem(unchecked, "an unchecked region with no <!-- /unchecked -->")
    page.lines = out


def generated_block(page, files, update, start, command, out):
    """Checks (or rewrites) the ``` block after a generated tag; returns the line after its end
    tag. Appends what the page keeps to out."""
    lines = page.lines
    end = next((j for j in range(start + 1, len(lines)) if "<!-- /generated -->" in lines[j]), None)
    fenced = start + 1 < len(lines) and lines[start + 1].startswith("```")
    if end is None or fenced and (end - 1 <= start + 1 or not lines[end - 1].startswith("```")):
        page.problem(start + 1, "a generated block is a ``` block (or markdown lines) between "
                                "<!-- generated: ... --> and <!-- /generated -->")
        out.extend(lines[start:start + 1])
        return start + 1
    # A fenced block keeps its fences; unfenced lines (a markdown table) are the output itself.
    first, last = (start + 2, end - 1) if fenced else (start + 1, end)
    try:
        fresh = generated_text(command, files)
    except InputError as error:
        page.problem(start + 1, str(error))
        fresh = None
    body = lines[first:last]
    if fresh is not None and body != fresh:
        if update:
            body = fresh
        else:
            differs = next((k for k, (a, b) in enumerate(zip(body, fresh)) if a != b),
                           min(len(body), len(fresh)))
            page.problem(first + 1 + differs, f"the block generated by '{command}' differs from "
                                              "what it prints now (python3 -m wqbench docs "
                                              "--update rewrites it)")
    out.extend(lines[start:first] + body + lines[last:end + 1])
    return end + 1


def pages(given):
    if given:
        return [Path(p).resolve() for p in given]
    return sorted({p for pattern in PAGES for p in ROOT.glob(pattern)})


def docs(argv):
    parser = Parser(prog="python3 -m wqbench docs", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="check every figure (the default)")
    mode.add_argument("--update", action="store_true", help="rewrite the generated blocks")
    parser.add_argument("pages", nargs="*", help="Markdown files (default: README.md, docs/*.md)")
    args = parser.parse_args(argv)
    files, problems, figures = Files(), [], 0
    for path in pages(args.pages):
        if not path.is_file():
            raise InputError(f"'{path}' is not a file")
        page = Page(path)
        scan(page, files, args.update)
        figures += page.figures
        if args.update:
            path.write_text("\n".join(page.lines), encoding="utf-8")
        problems += page.problems
    for problem in problems:
        print(problem)
    print(f"docs: {figures} figures tied to result files, {len(files.loaded)} files read, "
          f"{len(problems)} problems")
    return REGRESSION if problems else OK


def main(argv):
    return run(docs, argv)
