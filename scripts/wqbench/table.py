"""The scenario table (bench/scenarios.json) and the benchmark name grammar it spells, and what a
result file says about its back-ends. Nothing here (or anywhere in the package) names a scenario's
rules or a back-end: they come from the table and from the file's context.

A name is <scenario>/<subject><params>[/real_time]: the subject is a back-end, a peer queue or a
floor; params follow the row's grammar, where {int} is a whole number, {a|b} one of the words and
[...] an optional part.
"""
import json
import re
from pathlib import Path

from wqbench.cli import InputError

TABLE = Path(__file__).resolve().parents[2] / "bench" / "scenarios.json"
_SUFFIX = re.compile(r"/(real_time|manual_time)$")


def stable_name(name):
    """The benchmark's name without Google Benchmark's /real_time suffix."""
    return _SUFFIX.sub("", name)


def grammar_regex(params):
    """The regular expression (a string) for a row's params grammar: {int} a whole number, {a|b}
    one of the words (each a capture group), [...] an optional part (a capture group)."""
    out, i = [], 0
    while i < len(params):
        c = params[i]
        if c == "{":
            end = params.index("}", i)
            words = params[i + 1:end].split("|")
            out.append("(" + "|".join(r"\d+" if w == "int" else re.escape(w) for w in words) + ")")
            i = end + 1
        elif c == "[":
            out.append("(")
            i += 1
        elif c == "]":
            out.append(")?")
            i += 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def param_pattern(key):
    """The compiled pattern of a *_by_param key: found anywhere in a name's params, but ending
    where a param ends ("/delay_us:1000" does not match "/delay_us:10000")."""
    return re.compile(grammar_regex(key) + ("" if key.endswith("/") else r"(?=/|$)"))


def enumerations(params):
    """For each capture group of grammar_regex(params), in order, the values a complete suite
    shows in it: the words of a {a|b} of words, [None, the text] for an optional part, None where
    any value will do ({int})."""
    groups, i = [], 0
    while i < len(params):
        if params[i] == "{":
            end = params.index("}", i)
            words = params[i + 1:end].split("|")
            groups.append(None if "int" in words else set(words))
            i = end + 1
        elif params[i] == "[":
            end = params.index("]", i)
            optional = params[i + 1:end]
            # Both forms of a literal optional part; any value where it holds a {…} itself.
            groups.append(None if "{" in optional else {None, optional})
            i += 1
        else:
            i += 1
    return groups


class Scenario:
    """One row of the table."""

    def __init__(self, row):
        self.row = row
        self.name = row["name"]
        self.subject = row["subject"]
        self.params = row.get("params", "")
        self.title = row.get("title", "")
        self.on_demand = "on_demand" in row
        self.counters = set(row.get("counters", []))
        self.counters_if_parks_observable = set(row.get("counters_if_parks_observable", []))
        self.counters_by_subject = {k: set(v) for k, v in
                                    row.get("counters_by_subject", {}).items()}
        self.counters_by_param = [(param_pattern(key), set(names))
                                  for key, names in row.get("counters_by_param", {}).items()]
        self.key = row.get("key")
        self.key_by_param = [(param_pattern(k), v)
                             for k, v in row.get("key_by_param", {}).items()]
        self.floor = row.get("floor")
        self.floor_by_param = [(param_pattern(k), v)
                               for k, v in row.get("floor_by_param", {}).items()]
        self.names = row.get("names")
        self.peer = row.get("peer")
        self.subjects = row.get("subjects")
        # {"counter", "params"?}: the calibration engines run here too; that counter of theirs
        # (at those params) is the harness overhead.
        self.calibration = row.get("calibration")
        # The OS's own MF (os_words' system_mf, set by load_table for the run's OS) runs this row
        # too, less the params a pattern of its "without" matches; None where it does not.
        self.system_subject = row.get("system_subject")
        self.system_without = [param_pattern(key)
                               for key in (row.get("system_mf") or {}).get("without", [])]
        self.params_regex = re.compile(grammar_regex(self.params) + "$")
        self.enumerations = enumerations(self.params)

    def split(self, rest):
        """(subject, params, match) for the part of a name after '<scenario>/', or None."""
        subjects = self.subjects if self.subjects else None
        for cut in range(len(rest), 0, -1):
            if cut < len(rest) and rest[cut] != "/":
                continue
            subject, params = rest[:cut], rest[cut:]
            if subjects is not None and subject not in subjects:
                continue
            if not re.fullmatch(r"[a-z0-9_]+", subject):
                continue
            match = self.params_regex.match(params)
            if match:
                return subject, params, match
        return None

    def system_runs(self, params):
        """Whether the OS's own MF runs this row with these params (on the table's OS)."""
        return self.system_subject is not None and not any(
            pattern.search(params) for pattern in self.system_without)

    def floor_for(self, params):
        """The floor ({"benchmark", "counter", "context", "label"} or {"counter_of_winner"}) that
        bounds a result with these params, or None."""
        for pattern, floor in self.floor_by_param:
            if pattern.search(params):
                return floor
        return self.floor

    def key_for(self, params):
        """The key metric ({"counter", "better"}) of a result with these params, or None."""
        for pattern, key in self.key_by_param:
            if pattern.search(params):
                return key
        return self.key

    def required_counters(self, params, parks_observable, subject=None):
        wanted = set(self.counters) | self.counters_by_subject.get(subject, set())
        if parks_observable:
            wanted |= self.counters_if_parks_observable
        for pattern, names in self.counters_by_param:
            if pattern.search(params):
                wanted |= names
        return wanted


def run_os(data):
    """The OS a result file's run was on (wq.os; files from before it are Linux's)."""
    return (data.get("context") or {}).get("wq.os", "linux")


def wine_note(data):
    """The line a run under Wine carries wherever its figures are shown (wq.wine), or None."""
    context = data.get("context") or {}
    if "wq.wine" not in context:
        return None
    return (f"Windows build under Wine {context['wq.wine']}: these are Wine's implementation of "
            f"Windows on this machine, not Windows timings")


def os_word(os_name, key):
    """One of bench/scenarios.json's os_words for `os_name` (e.g. 'wake': futex, waitonaddress)."""
    try:
        words = json.loads(Path(TABLE).read_text(encoding="utf-8")).get("os_words", {})
        return words[os_name][key]
    except (OSError, ValueError, KeyError) as error:
        raise InputError(f"scenario table '{TABLE}' has no os_words {os_name}.{key}: {error}") \
            from error


def _with_words(value, words):
    """`value` with every {word} of the OS's words (strings only) put in: the floors' names and
    labels on that OS. The grammar's {int} and {a|b} are not words and stay."""
    if isinstance(value, str):
        for word, text in words.items():
            if isinstance(text, str):
                value = value.replace("{" + word + "}", text)
        return value
    if isinstance(value, list):
        return [_with_words(item, words) for item in value]
    if isinstance(value, dict):
        return {key: _with_words(item, words) for key, item in value.items()}
    return value


def load_table(path=TABLE, os_name="linux"):
    """The scenarios, in run order, as they are named on `os_name` (bench/scenarios.json
    "os_words"; a row's subjects_by_os and names_by_os)."""
    try:
        table = json.loads(Path(path).read_text(encoding="utf-8"))
        words = table.get("os_words", {})
        if words and os_name not in words:
            raise InputError(f"os '{os_name}' is not in the scenario table's os_words "
                             f"(known: {', '.join(sorted(words))})")
        rows = _with_words(table["scenarios"], words.get(os_name, {}))
    except (OSError, ValueError, KeyError) as error:
        raise InputError(f"scenario table '{path}' unreadable: {error}") from error
    system = words.get(os_name, {}).get("system_mf")
    for row in rows:
        if system and "system_mf" in row:
            row["system_subject"] = system
        for key in ("subjects", "names"):
            if f"{key}_by_os" in row:
                row[key] = row.pop(f"{key}_by_os")[os_name]
    return [Scenario(row) for row in rows]


def parse(name, scenarios):
    """(Scenario, subject, params, match) for a benchmark name, or None when it follows no row."""
    name = stable_name(name)
    head, _, rest = name.partition("/")
    for scenario in scenarios:
        if scenario.name == head:
            split = scenario.split(rest)
            return None if split is None else (scenario, *split)
    return None


def backend_catalogue(context):
    """The back-ends a result file's run knew ({name: facts}), from its context (wq_bench writes
    wq.backend_catalogue from each back-end's traits). Files written before it existed have
    only wq.backends: their facts are unknown (None)."""
    if "wq.backend_catalogue" in context:
        return {entry["name"]: entry for entry in json.loads(context["wq.backend_catalogue"])}
    names = [b for b in context.get("wq.backends", "").split(",") if b]
    return {name: {"name": name, "available": True, "owns_threads": None,
                   "parks_observable": None} for name in names}


def calibration_engines(context):
    """The calibration engines a run had ({name: {"name", "delay_ns", "description"}}), from its
    context (wq.calibration_engines); none for files written before they existed."""
    return {entry["name"]: entry
            for entry in json.loads(context.get("wq.calibration_engines", "[]"))}
