"""ctest fuzz.results and fuzz.policy: property-based fuzzing (Debian's python3-hypothesis) of the
input parsers of scripts/wqbench, the Python side of what tests/fuzz/ fuzzes with libFuzzer.

  results  the results-file loader (results.load) and what reads a loaded file: the summary
           (summary.render) and the gates' samples (gate.samples_of)
  policy   the regression policy's parser (gate.load_policy) and what reads a loaded policy: the
           rule lookup (gate.rule_for) and a verdict under each rule (gate.verdict)

Inputs: mutations of the checked-in seeds (tests/fuzz/corpus/results/*.json, corpus/policy/*.toml:
values replaced by any JSON value, keys deleted, lines dropped or repeated, text cut short), any
JSON value, any text, any bytes. Holds for each: it is read, or refused with InputError — the
one-line exit-2 message — whose text names the file; nothing else escapes (a traceback is a bug).

Usage: fuzz_inputs.py results|policy [--examples N]   (PYTHONPATH: scripts, /usr/share/benchmark)
Exit 0 when every example held; 1 with hypothesis's falsifying example (and how to reproduce it).
"""
import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

# Hypothesis keeps a cache (its .hypothesis folder) in the working directory unless told otherwise.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY",
                      str(Path(tempfile.gettempdir()) / "wq-fuzz-hypothesis"))

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wqbench import gate, results, summary
from wqbench.cli import InputError

CORPUS = Path(__file__).resolve().parent / "corpus"

NUMBERS = (st.integers(-2**63, 2**64) | st.floats(allow_nan=True, allow_infinity=True) |
           st.sampled_from([0, 1, -1, 0.0, 1e-300]))
TEXTS = st.text(max_size=24) | st.sampled_from([
    "iteration", "aggregate", "median", "mean", "cv", "pingpong/mpmc", "floor/hop", "ns", "ms",
    "throughput/native/producers:1/workers:1/work_ns:0/batch:1", "timer/mpmc/delay_us:50",
    "peer/moodycamel/producers:1/consumers:1/batch:1", "mpmc,native", "1e3", "nan", ""])
SCALARS = st.none() | st.booleans() | NUMBERS | TEXTS
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) |
                           st.dictionaries(st.text(max_size=12), inner, max_size=4),
                           max_leaves=12)


def mutate_tree(draw, tree):
    """One mutation somewhere in a parsed JSON tree: a value replaced, a key or element removed."""
    node = tree
    # Ends: each step goes one level down a finite tree, or stops.
    while True:
        keys = list(node.keys()) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return
        key = draw(st.sampled_from(keys))
        child = node[key]
        if isinstance(child, (dict, list)) and child and draw(st.integers(0, 3)) != 0:
            node = child
            continue
        roll = draw(st.integers(0, 7))
        if roll == 0:
            del node[key]
        elif roll <= 5 and isinstance(child, (int, float)) and not isinstance(child, bool):
            node[key] = draw(NUMBERS)  # the same kind of value: the file stays readable deeper
        elif roll <= 5 and isinstance(child, str):
            node[key] = draw(TEXTS)
        else:
            node[key] = draw(JSON_VALUES)
        return


def raw_input(draw, kind):
    """Any bytes (kind 0) or any text (kind 1); None for the other kinds."""
    if kind == 0:
        return draw(st.binary(max_size=200))
    if kind == 1:
        return draw(st.text(max_size=200)).encode()
    return None


@st.composite
def results_texts(draw):
    seeds = sorted((CORPUS / "results").glob("*.json"))
    kind = draw(st.integers(0, 9))
    if (raw := raw_input(draw, kind)) is not None:
        return raw
    if kind == 2:
        return json.dumps(draw(JSON_VALUES)).encode()
    tree = json.loads(draw(st.sampled_from(seeds)).read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(1, 6))):
        if isinstance(tree, (dict, list)):
            mutate_tree(draw, tree)
    text = json.dumps(tree).encode()
    if draw(st.integers(0, 9)) == 0:
        text = text[:draw(st.integers(0, len(text)))]
    return text


TOML_VALUES = ['"x"', "1", "-1", "0", "0.5", "1e999", "nan", "true", '"("', "[]", '["rtt_ns"]',
               "[1, 2]", "{a = 1}", '"gate"', '"warn"', '"ignore"', '"inconclusive"', '"^x/"', '""']


@st.composite
def policy_texts(draw):
    seeds = sorted((CORPUS / "policy").glob("*.toml"))
    if (raw := raw_input(draw, draw(st.integers(0, 9)))) is not None:
        return raw
    lines = draw(st.sampled_from(seeds)).read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        action = draw(st.integers(0, 4))
        if action == 0:
            del lines[at]
        elif action == 1:
            lines.insert(at, lines[at])
        elif action == 2 and "=" in lines[at]:
            key = lines[at].split("=", 1)[0]
            lines[at] = f"{key}= {draw(st.sampled_from(TOML_VALUES))}"
        elif action == 3:
            lines.insert(at, draw(st.sampled_from(["[[rule]]", "[rule]", "rule = 3", "alpha = 2",
                                                   "min_repetitions = 0", "[icount]"])))
        else:
            lines[at] = lines[at][:draw(st.integers(0, len(lines[at])))]
    return "\n".join(lines).encode()


TALLY = {"read": 0, "refused": 0}


def loaded(load, path):
    """What `load` reads from `path`, or None when it refuses — in one line naming the file."""
    try:
        data = load(path)
    except InputError as error:
        TALLY["refused"] += 1
        message = str(error)
        assert message and "\n" not in message, f"refusal is not one line: {message!r}"
        assert str(path) in message, f"refusal does not name the file: {message!r}"
        return None
    TALLY["read"] += 1
    return data


def read_results(path):
    if (data := loaded(results.load, path)) is not None:
        summary.render(data)
        gate.samples_of(data)


NAMES = ["pingpong/mpmc", "floor/hop", "throughput/native/producers:1/workers:1/work_ns:0/batch:1",
         "peer/x", ""]


def read_policy(path):
    if (policy := loaded(gate.load_policy, path)) is None:
        return
    for name in NAMES:
        rule = gate.rule_for(policy, name)
        if rule is not None and rule["action"] != "ignore":
            for metric in rule["metrics"]:
                gate.verdict([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 5.0], metric,
                             rule["threshold"], policy)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("target", choices=["results", "policy"])
    parser.add_argument("--examples", type=int, default=2000)
    args = parser.parse_args(argv)
    strategy, read, suffix = ((results_texts(), read_results, ".json") if args.target == "results"
                              else (policy_texts(), read_policy, ".toml"))
    with tempfile.TemporaryDirectory(prefix="wq-fuzz-") as scratch:
        path = Path(scratch) / f"input{suffix}"

        @settings(max_examples=args.examples, deadline=None, database=None, print_blob=True,
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def holds(data):
            path.write_bytes(data)
            read(path)

        for seed in sorted((CORPUS / args.target).iterdir()):  # the seeds themselves, first
            read(seed)
        holds()
    print(f"fuzz {args.target}: {args.examples} examples and the seeds held ({TALLY['read']} read, "
          f"{TALLY['refused']} refused with one line naming the file)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
