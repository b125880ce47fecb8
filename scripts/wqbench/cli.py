"""What every wqbench command shares: its errors, its argument parser and its exit codes.

Exit codes, the same for every command (docs/cli.md):
  0  success
  1  a gated regression (the gates only: compare, regress, icount)
  2  bad input — one line on stderr naming the bad value and what would be right — or a run that
     could not be made (a missing tool, a benchmark that failed)
  3  inconclusive: the comparison could not be tested (compare only; it names what would make it
     testable)
"""
import argparse
import os
import re
import sys

OK, REGRESSION, BAD_INPUT, INCONCLUSIVE = 0, 1, 2, 3


class InputError(Exception):
    """An input (a file, a value, a policy) that cannot be used; the message names it and says
    what would be right."""


class UsageError(InputError):
    """A command-line argument that cannot be used."""


# Set by the scripts/ shims (wq_check_args in scripts/lib/common.sh): parse and check the command
# line, then exit 0, before anything is installed or built.
ARGS_ONLY = "WQ_ARGS_ONLY"


def args_only():
    """True when this run only checks its command line (ARGS_ONLY)."""
    return os.environ.get(ARGS_ONLY) == "1"


class Parser(argparse.ArgumentParser):
    """argparse with the house rules: --help generated (exit 0); a bad argument raises UsageError
    with one line (no usage block before it), which the command turns into exit 2; an unknown
    option is named before anything else is said (a missing required argument included); no
    abbreviated options; an option's value may start with '-' (`--rate -5k` reaches the option's
    own check, which names it). Under ARGS_ONLY a good command line exits 0 right after parsing,
    unless the command checks more itself (checks_more=True: it calls args_only() when done)."""

    def __init__(self, *args, checks_more=False, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self.checks_more = checks_more

    def error(self, message):
        raise UsageError(f"{self.prog}: {message} (see --help)")

    def parse_args(self, args=None, namespace=None):
        joined = self._join_dash_values(list(args or []))
        self._refuse_unknown(joined)
        parsed = super().parse_args(joined, namespace)
        if args_only() and not self.checks_more:
            sys.exit(OK)
        return parsed

    def _refuse_unknown(self, args):
        """UsageError naming the first option this command does not have (after a verb of its
        subcommands: the options of that verb)."""
        known = self._option_string_actions
        verbs = {name: sub for action in self._actions
                 if isinstance(action, argparse._SubParsersAction)  # pylint: disable=protected-access
                 for name, sub in action.choices.items()}
        for arg in args:
            if arg == "--":
                return
            if arg in verbs:
                known = {**known, **verbs[arg]._option_string_actions}  # pylint: disable=protected-access
                continue
            if not arg.startswith("-") or arg == "-" or re.fullmatch(r"-[0-9.]+[a-zA-Z]*", arg):
                continue
            option = arg.split("=", 1)[0] if arg.startswith("--") else arg[:2]
            if option not in known:
                raise UsageError(f"{self.prog}: unknown argument '{arg}' (see --help)")

    def _join_dash_values(self, args):
        """['--rate', '-5k'] -> ['--rate=-5k'] for options that take a value."""
        takes_value = {option for action in self._actions if action.nargs != 0
                       for option in action.option_strings}
        out, i = [], 0
        while i < len(args):
            if (args[i] in takes_value and i + 1 < len(args) and args[i + 1].startswith("-")
                    and args[i + 1] not in self._option_string_actions):
                out.append(f"{args[i]}={args[i + 1]}")
                i += 2
            else:
                out.append(args[i])
                i += 1
        return out


def run(main, argv):
    """Calls main(argv) and returns its exit code; an InputError becomes one line on stderr and
    exit 2."""
    try:
        return main(argv)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return BAD_INPUT
