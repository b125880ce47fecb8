#!/usr/bin/python3
"""report.browser: renders scripts/report's page in headless Chromium and checks that it loaded
with every plot present — each <img class='plot'> decoded by the browser at a non-trivial size —
and that the screenshot shows a page, not a blank one. Run by ctest (tests/CMakeLists.txt).

Usage: browser_check.py SCRIPTS_DIR OUT_DIR RESULTS.json [MORE.json ...]   (SCRIPTS_DIR holds wqbench)

Chromium missing: exit 77 (ctest: skipped), except under CI=true where it is a failure.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.image  # noqa: E402  (reads the PNG screenshot)

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking"]
MIN_PLOT_PIXELS = 300 * 200


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def chromium(args, profile):
    command = [BROWSER, *FLAGS, f"--user-data-dir={profile}", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        fail(f"{' '.join(command)} exited {result.returncode}: {result.stderr[-600:]}")
    return result.stdout


def plots_in_browser(page, profile):
    """What the page's load handler saw: data-plots-total, -decoded, smallest-plot-pixels."""
    dom = chromium(["--virtual-time-budget=10000", "--dump-dom", page.as_uri()], profile)
    found = {key: int(value) for key, value in
             re.findall(r'data-(plots-total|plots-decoded|smallest-plot-pixels)="(\d+)"', dom)}
    if len(found) != 3:
        fail(f"{page.name}: the load handler did not run (no data-plots-* attributes in the DOM)")
    found["dom"] = dom
    return found


def main(argv):
    global BROWSER
    if len(argv) < 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    scripts_dir, out_dir, results = argv[1], Path(argv[2]), argv[3:]
    BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
    if not BROWSER:
        print("chromium is not installed (Debian: chromium; scripts/test installs it)")
        return 1 if os.environ.get("CI") == "true" else 77
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "report.html"
    made = subprocess.run([sys.executable, "-m", "wqbench", "report", "-o", str(page), *results],
                          capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=scripts_dir))
    if made.returncode != 0:
        fail(f"report.py exited {made.returncode}: {made.stderr}")
    match = re.search(r"\((\d+) plots", made.stdout)
    if not match:
        fail(f"report.py did not say how many plots it drew: {made.stdout!r}")
    expected = int(match.group(1))
    if expected < 6:
        fail(f"report.py drew {expected} plots from a full run; expected at least 6")
    with tempfile.TemporaryDirectory() as profile:
        # The check itself must be able to fail: a copy whose first plot is not a PNG at all.
        text = page.read_text(encoding="utf-8")
        broken = out_dir / "broken.html"
        broken.write_text(re.sub(r"base64,[A-Za-z0-9+/=]+", "base64,bm90IGEgcG5n", text, count=1),
                          encoding="utf-8")
        control = plots_in_browser(broken, profile)
        if control["plots-decoded"] != expected - 1:
            fail(f"a page with one broken plot reported {control['plots-decoded']} of "
                 f"{control['plots-total']} decoded: the check cannot tell")
        found = plots_in_browser(page, profile)
        print(f"browser: {found['plots-decoded']} of {found['plots-total']} plots decoded, "
              f"smallest {found['smallest-plot-pixels']} pixels (a broken copy: "
              f"{control['plots-decoded']} of {control['plots-total']})")
        if found["plots-total"] != expected:
            fail(f"the page has {found['plots-total']} plots; report.py drew {expected}")
        if found["plots-decoded"] != expected:
            fail(f"only {found['plots-decoded']} of {expected} plots decoded in the browser")
        if found["smallest-plot-pixels"] < MIN_PLOT_PIXELS:
            fail(f"a plot is only {found['smallest-plot-pixels']} pixels")
        for heading in ("Machine and build", "Ranked summary"):
            if heading not in found["dom"]:
                fail(f"section '{heading}' missing from the rendered page")
        shot = out_dir / "report.png"
        shot.unlink(missing_ok=True)
        chromium([f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars",
                  "--virtual-time-budget=10000", page.as_uri()], profile)
    if not shot.exists():
        fail("chromium wrote no screenshot")
    pixels = matplotlib.image.imread(str(shot))
    height, width = pixels.shape[:2]
    ink = (pixels[:, :, :3].mean(axis=2) < 0.9).mean()  # share of pixels that are not near-white
    print(f"screenshot: {shot} {width}x{height}, {ink:.1%} of it drawn")
    if (width, height) != (1280, 2000):
        fail(f"screenshot is {width}x{height}, asked for 1280x2000")
    if ink < 0.03:
        fail(f"the screenshot is nearly blank ({ink:.1%} drawn)")
    print("report renders: every plot decoded, page drawn")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
