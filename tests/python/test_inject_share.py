"""Injections sized as a share of each row's own cost (scripts/regress --inject 'PATH:BACKEND=N%'),
the validation table read from kept decisions, and the history's per-host default."""
import contextlib
import io
import json
import os
import tempfile
import unittest
from pathlib import Path

from wqbench.cli import UsageError
from wqbench.gate import DEFAULT_POLICY, load_policy
from wqbench.history import host_history
from wqbench.regress import parse_shares, size_injection, unit_cost_ns, write_plan
from wqbench.validation import validation

POLICY = load_policy(DEFAULT_POLICY)


class Shares(unittest.TestCase):
    def test_a_share_is_a_fraction_per_path_and_backend(self):
        self.assertEqual(parse_shares("put:*=10%,dispatch:iocp=2.5%"),
                         [("put", "*", 0.10), ("dispatch", "iocp", 0.025)])

    def test_loop_rounds_zero_or_mixed_specs_are_refused(self):
        for spec in ("put:mpmc=10", "put:mpmc=0%", "put:mpmc=10%,put:tbb=3", "puts:mpmc=10%",
                     "put:mpmc=1001%"):
            with self.subTest(spec=spec), self.assertRaises(UsageError):
                parse_shares(spec)

    def test_a_rows_cost_per_unit_from_its_gated_metric(self):
        self.assertAlmostEqual(unit_cost_ns("items_per_second", 20e6), 50.0)
        self.assertEqual(unit_cost_ns("rtt_ns", 800.0), 800.0)
        self.assertEqual(unit_cost_ns("ns_per_item", 120.0), 120.0)
        self.assertIsNone(unit_cost_ns("missed_pct", 3.0))  # not a time: nothing to size from
        self.assertIsNone(unit_cost_ns("rtt_ns", 0.0))

    def test_each_gated_row_gets_its_share_of_its_own_cost(self):
        samples = {
            "pingpong/mpmc": {"rtt_ns": [400.0, 420.0, 380.0]},
            "throughput/native/producers:1/workers:1/work_ns:0/batch:1":
                {"items_per_second": [40e6]},
            "peer/moodycamel/shape:stream": {"items_per_second": [20e6]},  # warn only: left out
            "floor/cacheline_rtt": {"rtt_ns": [300.0]},                    # ignored
        }
        plan = size_injection(samples, [("put", "*", 0.10), ("dispatch", "mpmc", 0.20)], POLICY)
        self.assertEqual(sorted(plan), ["pingpong/mpmc",
                                        "throughput/native/producers:1/workers:1/work_ns:0/batch:1"])
        # the last item naming a back-end wins, as in a loop-round spec
        self.assertEqual(plan["pingpong/mpmc"]["path"], "dispatch")
        self.assertAlmostEqual(plan["pingpong/mpmc"]["ns"], 0.20 * 400.0)
        row = plan["throughput/native/producers:1/workers:1/work_ns:0/batch:1"]
        self.assertEqual((row["path"], row["metric"]), ("put", "items_per_second"))
        self.assertAlmostEqual(row["ns"], 0.10 * 25.0)

    def test_the_plan_is_what_wq_bench_reads(self):
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "plan.txt"
            write_plan({"pingpong/mpmc": {"path": "put", "ns": 40.0}}, path, "put:*=10%")
            lines = path.read_text(encoding="utf-8").splitlines()
        self.assertTrue(lines[0].startswith("# "))
        self.assertEqual(lines[1].split(), ["pingpong/mpmc", "put", "40.000"])


def decision(spec, rows):
    """A scripts/regress decision.json: rows (name, fails, effect); a plan when spec is given."""
    out = {"rounds": 40, "rows": [{"name": name, "action": "gate", "fails": fails,
                                   "effect": effect} for name, fails, effect in rows]}
    if spec:
        out["inject"] = {"spec": spec, "plan": {name: {"path": "put", "share": 0.10}
                                                for name, _, _ in rows}}
    return out


class ValidationTable(unittest.TestCase):
    def run_table(self, sets, aa):
        with tempfile.TemporaryDirectory() as scratch:
            dirs = []
            for index, decisions in enumerate(sets + [aa]):
                folder = Path(scratch) / f"set{index}"
                folder.mkdir()
                for number, one in enumerate(decisions, 1):
                    (folder / f"decision{number:02d}.json").write_text(json.dumps(one))
                dirs.append(str(folder))
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                code = validation(dirs[:-1] + ["--aa", dirs[-1]])
        return code, out.getvalue()

    def test_detections_effects_and_the_share_caught_19_in_20(self):
        caught = [decision("put:*=10%", [("a", True, 0.11), ("b", run % 2 == 0, 0.04)])
                  for run in range(20)]
        aa = [decision(None, [("a", run == 3, 0.0), ("b", False, 0.0)]) for run in range(20)]
        code, text = self.run_table([caught], aa)
        self.assertEqual(code, 0)
        self.assertIn("A/A: 1 of 20 runs failed the gate (a gated row slower", text)
        row_a = next(line for line in text.splitlines() if line.startswith("| `a`"))
        row_b = next(line for line in text.splitlines() if line.startswith("| `b`"))
        self.assertIn("**20** of 20", row_a)
        self.assertIn("| 10% | 1 of 20 |", row_a)
        self.assertIn("**10** of 20", row_b)
        self.assertIn("| — | 0 of 20 |", row_b)  # caught 10 in 20 only: no share reached 19

    def test_a_set_mixing_specs_or_an_injected_aa_is_refused(self):
        mixed = [decision("put:*=10%", [("a", True, 0.1)]), decision("put:*=20%", [("a", True, 0.2)])]
        with self.assertRaises(Exception):
            self.run_table([mixed], [decision(None, [("a", False, 0.0)])])
        with self.assertRaises(Exception):
            self.run_table([[decision("put:*=10%", [("a", True, 0.1)])]],
                           [decision("put:*=10%", [("a", True, 0.1)])])


class HostHistory(unittest.TestCase):
    def test_the_history_is_per_host_and_wq_host_names_it(self):
        old = os.environ.get("WQ_HOST")
        try:
            os.environ["WQ_HOST"] = "runner-kind"
            self.assertEqual(host_history(Path("/repo")), "/repo/results/runner-kind/history.jsonl")
        finally:
            if old is None:
                os.environ.pop("WQ_HOST", None)
            else:
                os.environ["WQ_HOST"] = old


if __name__ == "__main__":
    unittest.main()
