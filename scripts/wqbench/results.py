"""Reading wq_bench's result files (Google Benchmark JSON): the one loader of every command.
Standard library only."""
import json

from wqbench.cli import InputError
from wqbench.table import stable_name


# The fields of a result row that are not numbers (Google Benchmark 1.7's JSON), and the whole
# numbers among the rest. Every other field of a row is a number (a time or a counter; NaN allowed,
# as Google Benchmark writes it).
TEXT_FIELDS = {"name", "run_name", "run_type", "aggregate_name", "aggregate_unit", "time_unit",
               "label", "error_message", "big_o"}
FLAG_FIELDS = {"error_occurred"}
WHOLE_FIELDS = {"family_index", "per_family_instance_index", "repetitions", "repetition_index",
                "threads", "iterations"}


def _shown(value):
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _context_problem(context):
    if not isinstance(context, dict):
        return f"'context' is {_shown(context)}, not an object"
    for key, value in context.items():
        # wq_bench's own context (--benchmark_context) is text; its floors are numbers as text.
        if key.startswith("wq.") and not isinstance(value, str):
            return f"context '{key}' is {_shown(value)}, not text"
        if key.startswith("wq.floor_"):
            try:
                float(value)
            except ValueError:
                return f"context '{key}' is {_shown(value)}, not a number"
    return None


def _row_problem(index, row):
    if not isinstance(row, dict):
        return f"benchmark {index} is {_shown(row)}, not an object"
    if not isinstance(row.get("name"), str) or not row["name"]:
        return f"benchmark {index} has no name"
    for key, value in row.items():
        if key in TEXT_FIELDS:
            good, kind = isinstance(value, str), "text"
        elif key in FLAG_FIELDS:
            good, kind = isinstance(value, bool), "true or false"
        elif key in WHOLE_FIELDS:
            good, kind = isinstance(value, int) and not isinstance(value, bool) and value >= 0, \
                "a whole number"
        else:
            good, kind = _is_number(value), "a number"
        if not good:
            return f"benchmark '{_shown(row['name'])[1:-1]}': '{key}' is {_shown(value)}, not {kind}"
    return None


def load(path):
    """The parsed file; InputError naming the file when it is missing, not JSON or not results
    (every row and the context checked for what the commands read from them)."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as error:
        raise InputError(f"cannot read results file '{path}': {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise InputError(f"results file '{path}' is not UTF-8 text ({error.reason} at byte "
                         f"{error.start})") from error
    except json.JSONDecodeError as error:
        raise InputError(f"results file '{path}' is not JSON: {error}") from error
    except RecursionError as error:
        raise InputError(f"results file '{path}' nests too deep to be results") from error
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise InputError(f"results file '{path}' is not Google Benchmark JSON (no 'benchmarks' "
                         "list)")
    problem = _context_problem(data.get("context", {}))
    for index, row in enumerate(data["benchmarks"]):
        problem = problem or _row_problem(index, row)
    if problem:
        raise InputError(f"results file '{path}' is not Google Benchmark JSON: {problem}")
    return data


def rows_by_name(data):
    """({name: [one row per repetition]}, {name: error message}) from the per-repetition rows
    (aggregates skipped); a repetition that failed is reported, not kept."""
    rows, failed = {}, {}
    for bench in data["benchmarks"]:
        if bench.get("run_type", "iteration") != "iteration":
            continue
        name = stable_name(bench.get("run_name", bench["name"]))
        if bench.get("error_occurred"):
            failed[name] = bench.get("error_message", "error")
            continue
        rows.setdefault(name, []).append(bench)
    return rows, failed
