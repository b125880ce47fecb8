"""scripts/compare leaves no family out: a default run against a copy whose stream/ and MF rows
are 30% slower (every other row as it was) never passes, and a row no rule covers is listed, not
skipped. On the committed default run results/vm/2026-12-07T150939Z-28abc35.json."""
import contextlib
import copy
import io
import json
import re
import tempfile
import unittest
from pathlib import Path

from wqbench.compare import compare

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "results" / "vm" / "2026-12-07T150939Z-28abc35.json"
SLOWED = re.compile(r"^(stream|serial|mfput|priority|timer|waitwake|cancel|mmcss)/")
HIGHER = {"items_per_second"}


def slower_copy(data, factor=1.3):
    """The run with every measured counter of the stream/ and MF rows `factor` worse."""
    slow = copy.deepcopy(data)
    for row in slow["benchmarks"]:
        if not SLOWED.match(row["name"]):
            continue
        for key, value in list(row.items()):
            if key in HIGHER:
                row[key] = value / factor
            elif key.endswith(("_ns", "_pct", "_per_item")) and isinstance(value, (int, float)):
                row[key] = value * factor
    return slow


def run_compare(*argv):
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = compare(list(argv))
    return code, printed.getvalue()


class Coverage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory()
        cls.data = json.loads(RUN.read_text(encoding="utf-8"))
        cls.slow = Path(cls.folder.name) / "slow.json"
        cls.slow.write_text(json.dumps(slower_copy(cls.data)), encoding="utf-8")

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()

    def test_stream_and_mf_rows_30pct_slower_never_pass(self):
        code, printed = run_compare(str(RUN), str(self.slow))
        self.assertIn(code, (1, 3), printed[-2000:])
        for family in ("stream", "serial", "mfput", "priority", "timer", "waitwake", "cancel",
                       "mmcss"):  # every family compared, none skipped
            self.assertRegex(printed, rf"(?m)^{family}/\S+ .*[+-]30\.0%|^{family}/\S+ .*-23\.1%",
                             family)
        for family in ("stream", "serial", "mfput", "priority", "timer", "cancel"):  # they gate
            self.assertRegex(printed, rf"(?m)^{family}/\S+ .*slower  FAIL", family)
        self.assertNotIn("ungated", printed)

    def test_the_run_against_itself_passes(self):
        code, printed = run_compare(str(RUN), str(RUN))
        self.assertEqual(code, 0, printed[-2000:])

    def test_a_row_no_rule_covers_is_listed(self):
        policy = (ROOT / "bench" / "regression-policy.toml").read_text(encoding="utf-8")
        without = re.sub(r'\[\[rule\]\]\npattern = "\^stream/"[^\[]*', "", policy)
        self.assertNotEqual(without, policy)
        path = Path(self.folder.name) / "policy.toml"
        path.write_text(without, encoding="utf-8")
        _, printed = run_compare(f"--policy={path}", str(RUN), str(RUN))
        self.assertIn("stream/native/producers:1/workers:1/layout:array: ungated: no rule in the "
                      "policy", printed)


if __name__ == "__main__":
    unittest.main()
