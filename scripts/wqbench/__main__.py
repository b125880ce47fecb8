"""python3 -m wqbench VERB [ARGS...] — wqbench's Python commands (the scripts/ shims run them);
VERB --help for each. Exit codes: wqbench/cli.py (docs/cli.md)."""
import importlib
import sys

# verb -> module whose main(argv) runs it (imported on demand: scipy and matplotlib only when used)
VERBS = {
    "check": "check", "choose": "choose", "compare": "compare", "docs": "docs", "history": "history",
    "icount": "icount", "plot-history": "plot_history", "regress": "regress",
    "report": "report", "summary": "summary", "validation": "validation",
}


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("verbs: " + ", ".join(sorted(VERBS)))
        return 0 if argv else 2
    if argv[0] not in VERBS:
        print(f"error: unknown verb '{argv[0]}': use one of {', '.join(sorted(VERBS))}",
              file=sys.stderr)
        return 2
    return importlib.import_module(f"wqbench.{VERBS[argv[0]]}").main(argv[1:])


sys.exit(main(sys.argv[1:]))
