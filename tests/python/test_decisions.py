"""The statistics and decisions: Holm's correction, the gate's verdict and policy, the chooser's
plan and ranking, and the summary rendered from a fixture (Debian's python3: scipy)."""
import tempfile
import types
import unittest
from pathlib import Path

import contextlib
import io
import json

from wqbench import compare
from wqbench.choose import decide, metric_of, parse_rate, suffix
from wqbench.choose import validate as choose_validate
from wqbench.choose_run import plan
from wqbench.cli import InputError
from wqbench.gate import load_policy
from wqbench.regress import holm
from wqbench.results import load
from wqbench.summary import render

FIXTURES = Path(__file__).resolve().parent.parent / "compare"


class Holm(unittest.TestCase):
    def test_step_down(self):
        rows = [{"p": 0.01}, {"p": 0.04}, {"p": 0.03}, {"p": None}]
        holm(rows, 0.05, "p", "sig")
        # m = 3 tested: 0.01 < 0.05/3 passes; 0.03 < 0.05/2 fails, and every larger p with it.
        self.assertEqual([r["sig"] for r in rows], [True, False, False, False])

    def test_nothing_to_correct(self):
        rows = [{"p": None}]
        holm(rows, 0.05, "p", "sig")
        self.assertFalse(rows[0]["sig"])


class Policy(unittest.TestCase):
    def write(self, text):
        handle = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
        handle.write(text)
        handle.close()
        return handle.name

    def test_the_committed_policy_loads(self):
        policy = load_policy(Path(__file__).resolve().parents[2] / "bench/regression-policy.toml")
        self.assertIn(policy["untested"], ("gate", "inconclusive"))

    def test_bad_policies_are_named(self):
        for text, words in (("alpha = 0.05", "has no 'min_repetitions'"),
                            ("alpha=0.05\nmin_repetitions=4\nuntested='maybe'\n[[rule]]\n"
                             "pattern='x'\naction='gate'", "untested = 'maybe'"),
                            ("not toml [", "is not TOML"),
                            ("alpha='0.05'\nmin_repetitions=4\nuntested='gate'\nrule=[]",
                             "alpha = '0.05'; use a number between 0 and 1"),
                            ("alpha=0.05\nmin_repetitions=true\nuntested='gate'\nrule=[]",
                             "min_repetitions = True; use a whole number from 1"),
                            ("alpha=0.05\nmin_repetitions=4\nuntested='gate'\n[[rule]]\n"
                             "action='ignore'", "rule 1: bad pattern (no pattern)"),
                            ("alpha=0.05\nmin_repetitions=4\nuntested='gate'\nrule=[]\n"
                             "[regress]\nrounds='40'", "[regress] takes rounds")):
            with self.subTest(words=words):
                with self.assertRaises(InputError) as raised:
                    load_policy(self.write(text))
                self.assertIn(words, str(raised.exception))


class Choosing(unittest.TestCase):
    def test_rates(self):
        self.assertEqual(parse_rate("10k"), 10_000)
        self.assertEqual(parse_rate("1.5M"), 1_500_000)
        self.assertEqual(parse_rate("saturate"), 0)
        for bad in ("-5k", "10x", "0"):
            with self.subTest(rate=bad), self.assertRaises(InputError):
                parse_rate(bad)

    def test_plan_fills_the_budget_within_3_to_15_repetitions(self):
        args = types.SimpleNamespace(rate=0, min_time=0.2, repetitions=None, budget=120)
        reps, sends, seconds = plan(args, ["a", "b", "c", "d"], 1, 0)
        self.assertEqual((reps, sends), (15, None))
        args.budget = 1
        self.assertEqual(plan(args, ["a", "b"], 3, 0)[0], 3)
        # A sparse rate: fewer items per repetition, never under 500.
        args = types.SimpleNamespace(rate=1000, min_time=0.2, repetitions=None, budget=30)
        reps, sends, seconds = plan(args, ["a", "b", "c", "d"], 3, 2000)
        self.assertEqual(reps, 3)
        self.assertGreaterEqual(sends, 500)
        self.assertLess(sends, 2000)

    def test_a_clear_lead_and_a_tie(self):
        args = types.SimpleNamespace(priority_mix=0)
        rows = lambda *values: [{"p50_ns": v} for v in values]  # noqa: E731
        found = {"fast": {1: rows(100, 101, 102, 103)}, "slow": {1: rows(200, 201, 202, 203)},
                 "same": {1: rows(101, 99, 104, 102)}}
        entries = {e["backend"]: e for e in decide(found, args, "p50")}
        self.assertEqual(decide(found, args, "p50")[0]["backend"], "fast")
        self.assertFalse(entries["slow"]["tied"])
        self.assertTrue(entries["same"]["tied"])

    def test_a_priority_mix_ranks_the_priority_1_items(self):
        args = types.SimpleNamespace(priority_mix=10)
        # "a" is better over all items, "b" for the priority-1 ones: the mix ranks on those.
        rows = lambda all_, high: [{"p99_ns": all_ + i, "high_p99_ns": high + i}  # noqa: E731
                                   for i in range(4)]
        found = {"a": {1: rows(100, 900)}, "b": {1: rows(500, 200)}}
        self.assertEqual(decide(found, args, "p99")[0]["backend"], "b")
        self.assertEqual(metric_of(args, "cpu"), "cpu_ns_per_item")  # not a latency: unchanged

    def test_the_workload_name_follows_the_spec(self):
        args = types.SimpleNamespace(producers=2, work_ns=500, rate=50_000, batch=1, serial=8,
                                     priority_mix=10, objective="p99")
        self.assertEqual(suffix(args, 2), "producers:2/workers:2/work_ns:500/rate:50000/batch:1"
                                          "/serial:8/high_pct:10")
        with self.assertRaises(InputError):  # a priority is measured at a rate
            choose_validate(types.SimpleNamespace(rate="saturate", objective="cpu", budget=10,
                                                  min_time=0.2, priority_mix=10))


class Comparing(unittest.TestCase):
    RUN = Path(__file__).resolve().parents[2] / "results/vm/2026-11-24T162954Z-7789933.json"

    def slower_copy(self, factor):
        """The committed default run (3 repetitions) with every measurement `factor` worse."""
        data = json.loads(self.RUN.read_text(encoding="utf-8"))
        for row in data["benchmarks"]:
            for key, value in list(row.items()):
                if isinstance(value, float) and key not in ("repetitions",):
                    row[key] = value / factor if key.endswith("per_second") else value * factor
        handle = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(data, handle)
        handle.close()
        return handle.name

    def test_an_untestable_slowdown_is_inconclusive_not_a_pass(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = compare.main([str(self.RUN), self.slower_copy(1.3)])
        self.assertEqual(code, 3, out.getvalue()[-400:])
        self.assertIn("--benchmark_repetitions=4", out.getvalue())


class Summary(unittest.TestCase):
    def test_a_fixture_renders_ranked(self):
        text, complete = render(load(FIXTURES / "base.json"))
        self.assertTrue(complete)
        self.assertIn("throughput — items per second (higher is better; * winner)", text)


if __name__ == "__main__":
    unittest.main()
