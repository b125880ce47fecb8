"""The scenario table and the benchmark name grammar (wqbench.table)."""
import json
import re
import unittest
from pathlib import Path

from wqbench.table import (backend_catalogue, enumerations, grammar_regex, load_table, os_word,
                           parse, wine_note)


class Grammar(unittest.TestCase):
    def test_int_words_and_optional_parts(self):
        self.assertEqual(grammar_regex("/rate:{int}"), r"/rate:(\d+)")
        self.assertEqual(grammar_regex("/via:{concrete|make_engine}"),
                         r"/via:(concrete|make_engine)")
        self.assertEqual(grammar_regex("[/via:make_engine]"), r"(/via:make_engine)?")

    def test_enumerations_say_what_a_complete_suite_shows(self):
        self.assertEqual(enumerations("/shape:{pingpong|1p1c}"), [{"pingpong", "1p1c"}])
        self.assertEqual(enumerations("/rate:{int}/workers:{int}"), [None, None])
        self.assertEqual(enumerations("[/via:make_engine]"), [{None, "/via:make_engine"}])


class PerOs(unittest.TestCase):
    """The floors' names and the floors a scenario is divided by, as each OS names them
    (bench/scenarios.json os_words, subjects_by_os, names_by_os)."""

    def test_each_os_names_its_own_floors(self):
        linux = {s.name: s for s in load_table(os_name="linux")}
        windows = {s.name: s for s in load_table(os_name="windows")}
        self.assertIn("floor/wake_futex_idle/idle_us:3000", linux["floor"].names)
        self.assertIn("floor/timer_timerfd/delay_us:50", linux["floor"].names)
        self.assertIn("floor/wake_waitonaddress_idle/idle_us:3000", windows["floor"].names)
        self.assertIn("floor/timer_hirestimer/delay_us:50", windows["floor"].names)
        self.assertNotIn("timer_timerfd", windows["floor"].subjects)
        self.assertEqual(linux["wakeup"].floor["benchmark"], "floor/wake_futex_idle/idle_us:3000")
        self.assertEqual(windows["wakeup"].floor["benchmark"],
                         "floor/wake_waitonaddress_idle/idle_us:3000")
        self.assertEqual(windows["timer"].floor_for("/delay_us:1000")["benchmark"],
                         "floor/timer_hirestimer/delay_us:1000")
        # The grammar's own braces are not OS words.
        self.assertEqual(windows["latency"].params, linux["latency"].params)

    def test_an_unknown_os_is_named(self):
        with self.assertRaisesRegex(Exception, "os 'beos' is not in the scenario table"):
            load_table(os_name="beos")


class Names(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scenarios = load_table()

    def parsed(self, name):
        found = parse(name, self.scenarios)
        return None if found is None else (found[0].name, found[1], found[2])

    def test_documented_names_parse(self):
        self.assertEqual(self.parsed("latency/mpmc/rate:100000/workers:1/real_time"),
                         ("latency", "mpmc", "/rate:100000/workers:1"))
        self.assertEqual(self.parsed("pingpong/tbb"), ("pingpong", "tbb", ""))
        self.assertEqual(self.parsed("pingpong/tbb/via:make_engine"),
                         ("pingpong", "tbb", "/via:make_engine"))
        self.assertEqual(self.parsed("peer/boost_lockfree/shape:1p1c"),
                         ("peer", "boost_lockfree", "/shape:1p1c"))
        self.assertEqual(self.parsed("floor/cacheline_rtt"), ("floor", "cacheline_rtt", ""))
        self.assertEqual(
            self.parsed("workload/fifo/producers:2/workers:2/work_ns:0/rate:saturate/batch:1"),
            ("workload", "fifo", "/producers:2/workers:2/work_ns:0/rate:saturate/batch:1"))

    def test_undocumented_names_do_not(self):
        for name in ("latency/mpmc/rate:fast/workers:1", "latency/mpmc", "nosuch/mpmc",
                     "floor/not_a_floor", "call/mpmc/via:nothing", "pingpong/Mpmc"):
            with self.subTest(name=name):
                self.assertIsNone(parse(name, self.scenarios))

    def test_counters_depend_on_params_and_on_parks(self):
        workload = next(s for s in self.scenarios if s.name == "workload")
        saturated = workload.required_counters("/producers:1/workers:1/work_ns:0/rate:saturate"
                                               "/batch:1", parks_observable=False)
        at_rate = workload.required_counters("/producers:1/workers:1/work_ns:0/rate:1000"
                                             "/batch:1", parks_observable=True)
        self.assertNotIn("p99_ns", saturated)
        self.assertNotIn("parks_per_item", saturated)
        self.assertTrue({"p99_ns", "late_pct", "parks_per_item"} <= at_rate)

    def test_keys_by_param(self):
        peer = next(s for s in self.scenarios if s.name == "peer")
        self.assertEqual(peer.key_for("/shape:1p1c")["counter"], "items_per_second")
        self.assertEqual(peer.key_for("/shape:pingpong")["better"], "lower")

    def test_a_param_pattern_ends_where_the_param_ends(self):
        timer = next(s for s in self.scenarios if s.name == "timer")
        self.assertEqual(timer.floor_for("/delay_us:1000")["benchmark"],
                         "floor/timer_timerfd/delay_us:1000")
        self.assertEqual(timer.floor_for("/delay_us:10000")["benchmark"],
                         "floor/timer_timerfd/delay_us:10000")
        self.assertIsNone(timer.floor_for("/pending:1000"))
        self.assertEqual(timer.key_for("/pending:100000")["counter"], "ns_per_item")


class Catalogue(unittest.TestCase):
    def test_from_the_context(self):
        context = {"wq.backend_catalogue": json.dumps([
            {"name": "a", "available": True, "parks_observable": False, "owns_threads": False}])}
        self.assertFalse(backend_catalogue(context)["a"]["parks_observable"])

    def test_older_files_know_only_the_names(self):
        catalogue = backend_catalogue({"wq.backends": "x,y"})
        self.assertEqual(list(catalogue), ["x", "y"])
        self.assertIsNone(catalogue["x"]["parks_observable"])



class QuickSelection(unittest.TestCase):
    """scripts/bench --quick's filter (bench/scenarios.json selections.quick) takes the rows that
    answer which back-end is fastest here, and their floors and peers, on both OSes."""

    def setUp(self):
        table = json.loads((Path(__file__).resolve().parents[2] / "bench" / "scenarios.json")
                           .read_text(encoding="utf-8"))
        self.filter = re.compile(table["selections"]["quick"]["filter"])

    def test_takes_the_headline_rows_their_floors_and_peers(self):
        for name in ("floor/cacheline_rtt", "floor/wake_futex_rtt",
                     "floor/wake_futex_idle/idle_us:3000", "floor/wake_waitonaddress_idle/idle_us:3000",
                     "peer/moodycamel/shape:pingpong", "peer/atomic_queue/shape:stream",
                     "pingpong/native", "pingpong/inline", "wakeup/iocp", "cpu/mpmc/rate:10000",
                     "throughput/native/producers:1/workers:1/work_ns:0/batch:1",
                     "stream/winpool/producers:1/workers:1/layout:array",
                     "latency/tbb/rate:100000/workers:1"):
            self.assertTrue(self.filter.search(name + "/real_time"), name)

    def test_leaves_the_rest_out(self):
        for name in ("floor/timer_timerfd/delay_us:50", "floor/wake_futex_idle/idle_us:100",
                     "peer/moodycamel/shape:1p1c", "pingpong/native/via:make_engine",
                     "throughput/native/producers:2/workers:2/work_ns:0/batch:1",
                     "stream/native/producers:1/workers:1/layout:scattered",
                     "latency/native/rate:10000/workers:1", "cpu/native/rate:100000",
                     "serial/native/shape:pingpong", "call/native/via:concrete"):
            self.assertFalse(self.filter.search(name + "/real_time"), name)

if __name__ == "__main__":
    unittest.main()


class Calibration(unittest.TestCase):
    """check's calibration rule: a delayed calibration engine must report at least its delay,
    whatever load made of the undelayed one."""

    ENGINES = {"inline": {"name": "inline", "delay_ns": 0},
               "inline_10us": {"name": "inline_10us", "delay_ns": 10000}}

    @staticmethod
    def results(inline_p50, delayed_p50, rtt=(40.0, 10100.0)):
        rows = [("latency/inline/rate:10000/workers:1", {"p50_ns": inline_p50}),
                ("latency/inline_10us/rate:10000/workers:1", {"p50_ns": delayed_p50}),
                ("pingpong/inline", {"rtt_ns": rtt[0]}),
                ("pingpong/inline_10us", {"rtt_ns": rtt[1]}),
                ("wakeup/inline", {"p50_ns": 150.0}),
                ("wakeup/inline_10us", {"p50_ns": 10300.0})]
        return {"benchmarks": [dict(counters, name=name + "/real_time", run_type="iteration")
                               for name, counters in rows]}

    def problems(self, data):
        from wqbench.check import check_calibration
        return check_calibration(data, load_table(), self.ENGINES)

    def test_a_delay_reported_as_one_passes(self):
        self.assertEqual(self.problems(self.results(130.0, 10240.0)), [])

    def test_a_starved_undelayed_run_is_no_problem(self):
        # Under a CPU hog the undelayed engine can come out slower than the delayed one.
        self.assertEqual(self.problems(self.results(557055.0, 135167.0)), [])

    def test_a_delay_not_reported_is_named(self):
        problems = self.problems(self.results(130.0, 120.0))
        self.assertEqual(len(problems), 1)
        self.assertIn("latency/inline_10us/rate:10000/workers:1", problems[0])

    def test_a_missing_engine_is_named(self):
        data = self.results(130.0, 10240.0)
        data["benchmarks"] = [b for b in data["benchmarks"] if "pingpong/inline_10us" not in b["name"]]
        self.assertEqual(self.problems(data), ["pingpong/inline_10us: did not run"])


class WineRuns(unittest.TestCase):
    """A run under Wine is marked wherever its figures are shown; a Linux run is not."""

    WINE = {"context": {"wq.os": "windows", "wq.wine": "8.0", "host_name": "h"}, "benchmarks": []}
    LINUX = {"context": {"wq.os": "linux", "host_name": "h"}, "benchmarks": []}

    def test_the_note_names_wine_and_disclaims_windows(self):
        note = wine_note(self.WINE)
        self.assertIn("Wine 8.0", note)
        self.assertIn("not Windows timings", note)
        self.assertIsNone(wine_note(self.LINUX))
        self.assertIsNone(wine_note({}))

    def test_the_summary_carries_it(self):
        from wqbench.summary import render
        self.assertIn(wine_note(self.WINE), render(self.WINE)[0])
        self.assertNotIn("Wine", render(self.LINUX)[0])

    def test_the_os_words_name_the_wait(self):
        self.assertEqual(os_word("linux", "wake"), "futex")
        self.assertEqual(os_word("windows", "wake"), "waitonaddress")

    def test_the_report_formats_raw_context_numbers(self):
        from wqbench.report import context_value
        self.assertEqual(context_value("1770.154570"), "1770.2")
        self.assertEqual(context_value("81919.000000"), "81919")
        self.assertEqual(context_value("gcc 12-posix"), "gcc 12-posix")
        self.assertEqual(context_value(2), "2")
        self.assertEqual(context_value("1770.154570", "wq.floor_cacheline_rtt_ns"), "1.77 µs")
        self.assertEqual(context_value("1000400.000000", "wq.busy_work_1ms_took_ns"), "1 ms")


class CheckRows(unittest.TestCase):
    """python3 -m wqbench check on a run with repetitions: the aggregates are not rows to name."""

    def test_aggregates_are_not_benchmark_names(self):
        from wqbench.check import check_rows
        data = {"benchmarks": [
            {"name": "pingpong/nosuch/real_time_mean", "run_type": "aggregate"},
            {"name": "pingpong/nosuch/real_time", "run_type": "iteration"}]}
        problems, _ = check_rows(data, load_table(), {"mutex": {}})
        self.assertEqual(problems,
                         ["pingpong/nosuch: back-end 'nosuch' is not in the run's catalogue"])


class Gating(unittest.TestCase):
    """No family is ungated by omission: the check fails on a benchmark that no rule of the policy
    covers unless its scenario says why (\"ungated\"), once per family."""

    def test_a_family_with_neither_a_rule_nor_a_reason_fails_once(self):
        from wqbench.check import check_gating
        from wqbench.gate import load_policy
        policy = load_policy(str(Path(__file__).resolve().parents[2] / "bench" /
                                 "regression-policy.toml"))
        policy["rule"] = [r for r in policy["rule"] if not r["regex"].search("pingpong/mutex")]
        data = {"benchmarks": [{"name": f"pingpong/{b}/real_time"} for b in ("mutex", "mpmc")] +
                [{"name": "pingpong/inline/real_time"},
                 {"name": "workload/mutex/producers:1/workers:1/work_ns:0/rate:1000/batch:1"}]}
        problems = check_gating(data, load_table(), policy, calibration=["inline"])
        self.assertEqual(len(problems), 1, problems)
        self.assertTrue(problems[0].startswith("pingpong/mutex: no rule"), problems)

    def test_every_family_of_the_table_is_covered_or_says_why(self):
        from wqbench.gate import load_policy, rule_for
        policy = load_policy(str(Path(__file__).resolve().parents[2] / "bench" /
                                 "regression-policy.toml"))
        for os_name in ("linux", "windows"):
            for scenario in load_table(os_name=os_name):
                if scenario.row.get("ungated"):
                    continue
                subjects = scenario.names or [f"{scenario.name}/x"]
                for name in subjects:
                    name = name if "/" in name else f"{scenario.name}/{name}"
                    self.assertIsNotNone(rule_for(policy, name + "/y"),
                                         f"{scenario.name} ({os_name}): {name}")


class SystemMf(unittest.TestCase):
    """The OS's own MF (os_words system_mf: Windows' mfplat.dll) beside wq's layer in the MF
    families: which rows it runs, what the check expects of it, and that Linux has none."""

    @staticmethod
    def _rows(names):
        return {"benchmarks": [{"name": n, "run_type": "iteration", "items_per_second": 1.0}
                               for n in names]}

    def test_only_the_mf_rows_run_it_and_only_on_windows(self):
        windows = {s.name: s for s in load_table(os_name="windows")}
        linux = {s.name: s for s in load_table(os_name="linux")}
        self.assertEqual(windows["mfput"].system_subject, "mfplat_dll")
        self.assertIsNone(windows["pingpong"].system_subject)
        self.assertIsNone(linux["mfput"].system_subject)
        self.assertFalse(linux["serial"].system_runs("/shape:pingpong"))
        self.assertTrue(windows["mfput"].system_runs("/via:platform"))
        self.assertFalse(windows["mfput"].system_runs("/via:engine"))
        self.assertFalse(windows["timer"].system_runs("/delay_us:50"))
        self.assertTrue(windows["timer"].system_runs("/delay_us:500"))  # a param ends at '/'

    def test_the_check_holds_it_to_the_back_ends_rows_less_its_without(self):
        from wqbench.check import check_coverage, check_rows
        table = [s for s in load_table(os_name="windows") if s.name == "mfput"]
        backend = ["mfput/native/via:engine", "mfput/native/via:platform",
                   "mfput/native/via:allocated"]
        complete = backend + ["mfput/mfplat_dll/via:platform", "mfput/mfplat_dll/via:allocated"]
        problems, seen = check_rows(self._rows(complete), table, {"native": {}})
        self.assertEqual(problems, [])
        self.assertEqual(check_coverage(table, seen, ["native"], []), [])

        problems, seen = check_rows(self._rows(backend + ["mfput/mfplat_dll/via:platform"]),
                                    table, {"native": {}})
        self.assertEqual(problems, [])
        self.assertEqual(len(check_coverage(table, seen, ["native"], [])), 1)

        problems, _ = check_rows(self._rows(complete + ["mfput/mfplat_dll/via:engine"]), table,
                                 {"native": {}})
        self.assertEqual(len(problems), 1)
        self.assertIn("leaves out", problems[0])

        _, seen = check_rows(self._rows(backend), table, {"native": {}})
        self.assertEqual(check_coverage(table, seen, ["native"], []),
                         ["mfput: no results for mfplat_dll"])
