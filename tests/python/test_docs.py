"""The docs check (wqbench.docs): a quoted figure is re-derived from the result file it names, to
the digits quoted; a generated block is what its command prints now; a measured figure is tied to
a file or sits in a region that says where it came from. Each rule is shown failing on a page
written wrong on purpose, and holding on the same page written right (ctest docs.check runs the
check on this repository's own pages)."""
import json
import tempfile
import unittest
from pathlib import Path

from wqbench import docs

RUN = "results/vm/2026-11-26T214925Z-9d00143.json"  # committed: pingpong/native rtt_ns 783.2
PINGPONG = "pingpong/native rtt_ns"
P1W1 = "throughput/native/producers:1/workers:1/work_ns:0/batch:1 items_per_second"  # 29.17 M/s


def problems(text, update=False):
    """(problems, the page's lines after the scan) for a page holding `text`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.md"
        path.write_text(text, encoding="utf-8")
        page = docs.Page(path)
        docs.scan(page, docs.Files(), update)
        return [p.split(":", 1)[1] for p in page.problems], page.lines


class Figures(unittest.TestCase):
    def test_a_figure_that_matches_its_file_at_the_digits_quoted_holds(self):
        found, _ = problems(f"<!-- figures: {RUN} -->\n"
                            f"a round trip of 783 ns<!-- fig: {PINGPONG} -->, or 0.78 µs"
                            f"<!-- fig: {PINGPONG} -->; 29.2 M/s<!-- fig: {P1W1} -->, "
                            f"29 M/s<!-- fig: {P1W1} -->\n")
        self.assertEqual(found, [])

    def test_a_deliberately_wrong_figure_fails_naming_its_line(self):
        found, _ = problems(f"<!-- figures: {RUN} -->\n\nfine: 783 ns<!-- fig: {PINGPONG} -->\n"
                            f"wrong: 13.3 M/s<!-- fig: {P1W1} -->\n")
        self.assertEqual(len(found), 1, found)
        self.assertTrue(found[0].startswith("4: "), found)
        self.assertIn("13.3 M/s", found[0])
        self.assertIn("its file gives", found[0])

    def test_the_last_digit_quoted_decides(self):
        # 783.2 ns: "783" holds, "784" does not, "783.9" does not (it claims a tenth).
        for quoted, holds in (("783", True), ("784", False), ("783.9", False), ("783.2", True)):
            found, _ = problems(f"{quoted} ns<!-- fig: {RUN} :: {PINGPONG} -->\n")
            self.assertEqual(found == [], holds, (quoted, found))

    def test_a_range_over_back_ends(self):
        names = "pingpong/{mutex,mpmc,native,iocp,tbb} rtt_ns"  # 783 ns (native) .. 7.39 µs (mutex)
        found, _ = problems(f"<!-- figures: {RUN} -->\n0.78<!-- fig: lo {names} -->–7.4 µs"
                            f"<!-- fig: hi {names} -->\n")
        self.assertEqual(found, [])
        found, _ = problems(f"<!-- figures: {RUN} -->\n0.78<!-- fig: lo {names} -->–7.2 µs"
                            f"<!-- fig: hi {names} -->\n")
        self.assertEqual(len(found), 1, found)

    def test_ratios_and_a_range_that_borrows_its_unit(self):
        ratio = f"pingpong/mpmc rtt_ns / {PINGPONG}"  # 1.278
        found, _ = problems(f"<!-- figures: {RUN} -->\n1.28×<!-- fig: {ratio} --> and "
                            f"0.78<!-- fig: {PINGPONG} -->–1.0 µs<!-- fig: pingpong/mpmc rtt_ns -->\n")
        self.assertEqual(found, [])
        found, _ = problems(f"<!-- figures: {RUN} -->\n1.35×<!-- fig: {ratio} -->\n")
        self.assertEqual(len(found), 1, found)

    def test_a_tag_that_cannot_be_evaluated_is_a_problem(self):
        for tag, says in ((f"<!-- fig: {PINGPONG} -->", "no file"),
                          (f"<!-- fig: {RUN} :: pingpong/nope rtt_ns -->", "has no rtt_ns"),
                          ("<!-- fig: results/none.json :: a b -->", "not a file"),
                          (f"<!-- fig: {RUN} :: only-a-name -->", "NAME COUNTER, or a ratio"),
                          (f"<!-- fig: {RUN} :: lo pingpong/native rtt_ns -->", "lo and hi take")):
            found, _ = problems(f"783 ns{tag}\n")
            self.assertEqual(len(found), 1, (tag, found))
            self.assertIn(says, found[0])


class Untied(unittest.TestCase):
    def test_a_measured_figure_needs_a_tag_or_an_unchecked_region(self):
        found, _ = problems("the put costs 12 ns and the stream 3.1 M/s, 2.4× the next\n")
        self.assertEqual(len(found), 3, found)
        self.assertIn("'12 ns'", found[0])

    def test_counts_sizes_code_and_blocks_are_not_measured_figures(self):
        found, _ = problems("64 bytes, 4 repetitions, 10^5 items, 50% of them, `spin 52 µs`,\n"
                            "after 3 ms idle, 10 µs of work each, at 10 k/s, 200 ns, 5 ms\n"
                            "```\n1.2 µs in a code block\n```\n")
        self.assertEqual(found, [])

    def test_an_unchecked_region_must_say_where_from_and_end(self):
        found, _ = problems("<!-- unchecked: CI log, 2026-12-07 -->\n12 ns\n<!-- /unchecked -->\n")
        self.assertEqual(found, [])
        found, _ = problems("<!-- unchecked: -->\n12 ns\n<!-- /unchecked -->\n")
        self.assertEqual(len(found), 1, found)
        found, _ = problems("<!-- unchecked: a log -->\n12 ns\n")
        self.assertIn("no <!-- /unchecked -->", found[0])


class Generated(unittest.TestCase):
    def rewritten(self, stale):
        """A stale block fails the check, --update rewrites it (the page after it kept), and the
        rewritten page passes; returns the rewritten text."""
        found, _ = problems(stale)
        self.assertEqual(len(found), 1, found)
        self.assertIn("differs from what it prints now", found[0])
        found, lines = problems(stale, update=True)
        self.assertEqual(found, [])
        self.assertEqual(lines[-2:], ["after", ""])
        again, _ = problems("\n".join(lines))
        self.assertEqual(again, [])
        return "\n".join(lines)

    def test_a_stale_block_fails_and_update_rewrites_it(self):
        text = self.rewritten(f"<!-- generated: summary --headline {RUN} -->\n```\nan old "
                              "summary\n```\n<!-- /generated -->\nafter\n")
        self.assertIn("who leads, family by family", text)

    def test_only_summary_commands_generate(self):
        found, _ = problems(f"<!-- generated: rm -rf {RUN} -->\n```\n```\n<!-- /generated -->\n")
        self.assertIn("use summary [--headline] FILE, choose ... --from FILE, or validation",
                      found[0])

    def test_an_unfenced_block_is_the_markdown_its_command_prints(self):
        with tempfile.TemporaryDirectory() as scratch:
            runs, aa = Path(scratch) / "put-10", Path(scratch) / "aa"
            runs.mkdir()
            aa.mkdir()
            row = {"name": "pingpong/native", "action": "gate", "effect": 0.12}
            (runs / "decision01.json").write_text(json.dumps({
                "inject": {"spec": "put:*=10%", "plan": {"pingpong/native": {
                    "path": "put", "share": 0.1}}}, "rows": [dict(row, fails=True)]}))
            (aa / "decision01.json").write_text(json.dumps({"rows": [dict(row, fails=False)]}))
            text = self.rewritten(f"<!-- generated: validation --aa {aa} {runs} -->\n"
                                  "| old | table |\n<!-- /generated -->\nafter\n")
            self.assertIn("| `pingpong/native` | put | +12.0% (+12.0% … +12.0%) | **1** of 1 |", text)
            self.assertNotIn("```", text)


if __name__ == "__main__":
    unittest.main()
