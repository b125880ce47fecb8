"""What every wqbench command shares: its errors, its argument parser and its exit codes.

Exit codes, the same for every command (README "Exit codes"):
  0  success
  1  a gated regression (the gates only: compare, regress, icount)
  2  bad input — one line on stderr naming the bad value and what would be right — or a run that
     could not be made (a missing tool, a benchmark that failed)
  3  inconclusive: the comparison could not be tested (compare only; it names what would make it
     testable)
"""
import argparse
import sys

OK, REGRESSION, BAD_INPUT, INCONCLUSIVE = 0, 1, 2, 3


class InputError(Exception):
    """An input (a file, a value, a policy) that cannot be used; the message names it and says
    what would be right."""


class UsageError(InputError):
    """A command-line argument that cannot be used."""


class Parser(argparse.ArgumentParser):
    """argparse with the house rules: --help generated (exit 0); a bad argument raises UsageError
    with one line (no usage block before it), which the command turns into exit 2; an option's
    value may start with '-' (`--rate -5k` reaches the option's own check, which names it)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        raise UsageError(f"{self.prog}: {message} (see --help)")

    def parse_args(self, args=None, namespace=None):
        return super().parse_args(self._join_dash_values(list(args or [])), namespace)

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
