"""The one formatter (wqbench.fmt) and the command-line house rules (wqbench.cli)."""
import contextlib
import io
import unittest

from wqbench.cli import BAD_INPUT, InputError, Parser, UsageError, run
from wqbench.fmt import human, short, unit_of


class Formatting(unittest.TestCase):
    def test_units(self):
        self.assertEqual(human(1020.0, "ns"), "1.02 µs")
        self.assertEqual(human(38.8e6, "/s"), "38.8M/s")
        self.assertEqual(human(999.0, "/s"), "999/s")
        self.assertEqual(human(0.5, "%"), "0.50%")
        self.assertEqual(human(None, "ns"), "-")
        self.assertEqual(human(2.5e6, "ns"), "2.5 ms")

    def test_unit_of_a_counter(self):
        self.assertEqual(unit_of("items_per_second"), "/s")
        self.assertEqual(unit_of("p99_ns"), "ns")
        self.assertEqual(unit_of("idle_cpu_pct"), "%")

    def test_short_params(self):
        self.assertEqual(short("/producers:1/workers:2/work_ns:0/batch:1"),
                         "P1 W2 work 0ns batch 1")
        self.assertEqual(short("rate:10000/workers:1"), "rate 10000/s W1")
        self.assertEqual(short(""), "")


class CommandLine(unittest.TestCase):
    def parser(self):
        parser = Parser(prog="demo")
        parser.add_argument("--rate")
        parser.add_argument("--flag", action="store_true")
        parser.add_argument("file")
        return parser

    def test_an_option_value_may_start_with_a_dash(self):
        self.assertEqual(self.parser().parse_args(["--rate", "-5k", "f"]).rate, "-5k")

    def test_a_bad_argument_is_one_line_not_a_usage_block(self):
        with self.assertRaises(UsageError) as raised:
            self.parser().parse_args(["--bogus", "f"])
        self.assertNotIn("\n", str(raised.exception))
        self.assertIn("--bogus", str(raised.exception))

    def test_run_turns_bad_input_into_exit_2_and_one_line(self):
        def failing(argv):
            raise InputError(f"value '{argv[0]}': use a number")
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            code = run(failing, ["x"])
        self.assertEqual(code, BAD_INPUT)
        self.assertEqual(stderr.getvalue(), "error: value 'x': use a number\n")


if __name__ == "__main__":
    unittest.main()
