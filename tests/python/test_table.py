"""The scenario table and the benchmark name grammar (wqbench.table)."""
import json
import unittest

from wqbench.table import backend_catalogue, enumerations, grammar_regex, load_table, parse


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


class Catalogue(unittest.TestCase):
    def test_from_the_context(self):
        context = {"wq.backend_catalogue": json.dumps([
            {"name": "a", "available": True, "parks_observable": False, "owns_threads": False}])}
        self.assertFalse(backend_catalogue(context)["a"]["parks_observable"])

    def test_older_files_know_only_the_names(self):
        catalogue = backend_catalogue({"wq.backends": "x,y"})
        self.assertEqual(list(catalogue), ["x", "y"])
        self.assertIsNone(catalogue["x"]["parks_observable"])


if __name__ == "__main__":
    unittest.main()
