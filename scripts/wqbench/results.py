"""Reading wq_bench's result files (Google Benchmark JSON): the one loader of every command.
Standard library only."""
import json

from wqbench.cli import InputError
from wqbench.table import stable_name


def load(path):
    """The parsed file; InputError naming the file when it is missing, not JSON or not results."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as error:
        raise InputError(f"cannot read results file '{path}': {error.strerror}") from error
    except json.JSONDecodeError as error:
        raise InputError(f"results file '{path}' is not JSON: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise InputError(f"results file '{path}' is not Google Benchmark JSON (no 'benchmarks' "
                         "list)")
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
