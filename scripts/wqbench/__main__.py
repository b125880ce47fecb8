"""python3 -m wqbench VERB [ARGS...] — the package's commands; VERB --help for each."""
import sys

from wqbench import check

VERBS = {"check": check.main}


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("verbs: " + ", ".join(sorted(VERBS)))
        return 0 if argv else 2
    verb = VERBS.get(argv[0])
    if verb is None:
        print(f"error: unknown verb '{argv[0]}': use one of {', '.join(sorted(VERBS))}",
              file=sys.stderr)
        return 2
    return verb(argv[1:])


sys.exit(main(sys.argv[1:]))
