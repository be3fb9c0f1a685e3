"""From a rating change to the redrawn Stage 2 chart, against a button -> label round trip.

    /path/to/python benchmarks/chart_redraw.py [--runs 9]

One Voilà server, started as `rejection-workbook serve` starts it (see ttfi.py), serves
Stage 2 and benchmarks/round_trip.ipynb (a Button whose click changes a Label). In
headless Chromium, every time is measured inside the page with performance.now():

- baseline: click the button, until the label shows the new count;
- rating: change a trait's rating in its dropdown, until both Stage 2 charts have been
  redrawn (the charts count their redraws in document.body.dataset.wbChartDraws).

Prints the medians and the ratio (target: a redrawn chart within 2x the round trip).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from ttfi import CHROMIUM_ARGS, READY, machine, serve, stop

from workbook.paths import notebooks_dir
from workbook.store import Home

HERE = Path(__file__).resolve().parent
RATINGS = ["+1 slight strength", "+3 clear strength", "−2 weakness", "+2 strength"]

CLICK_JS = """
async () => {
  const label = document.querySelector('.app-ready .widget-label');
  const before = label.textContent, t0 = performance.now();
  document.querySelector('.app-ready button').click();
  while (label.textContent === before) await new Promise(r => setTimeout(r, 1));
  return performance.now() - t0;
}
"""

RATE_JS = """
async (label) => {
  const select = document.querySelector('.wb-trait-row select');
  const body = document.body.dataset, before = Number(body.wbChartDraws || 0);
  const t0 = performance.now();
  select.value = label;
  select.dispatchEvent(new Event('change', {bubbles: true}));
  while (Number(body.wbChartDraws || 0) < before + 2) {
    if (performance.now() - t0 > 20000) return null;
    await new Promise(r => setTimeout(r, 1));
  }
  return Number(body.wbChartDrawnAt) - t0;
}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="wb-redraw-") as tmp:
        folder, home = Path(tmp) / "nb", Home(Path(tmp) / "home")
        folder.mkdir()
        shutil.copy(HERE / "round_trip.ipynb", folder)
        shutil.copy(notebooks_dir() / "02_reason.ipynb", folder)
        with home.create("Redraw") as wb:
            slug = wb.path.stem
            wb.put("trait", {"name": "patience", "domain": "personality", "rating": -1})
            wb.put("trait", {"name": "public speaking", "domain": "skills and experience", "rating": 2})
        process, base, token = serve(folder, home.path)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
                tab = browser.new_page()
                tab.goto(f"{base}/voila/render/round_trip.ipynb?token={token}")
                tab.wait_for_selector(READY)
                clicks = [tab.evaluate(CLICK_JS) for _ in range(args.runs)]
                tab.goto(f"{base}/voila/render/02_reason.ipynb?token={token}&workbook={slug}")
                tab.wait_for_selector(READY)
                tab.wait_for_function("document.querySelectorAll('.wb-chart .js-plotly-plot').length == 2")
                rates = [tab.evaluate(RATE_JS, RATINGS[n % len(RATINGS)]) for n in range(args.runs)]
                browser.close()
        finally:
            stop(process)
    if None in rates:
        print("A chart was not redrawn within 20 s.", file=sys.stderr)
        return 1
    click, rate = statistics.median(clicks), statistics.median(rates)
    print(f"{machine()}\nmedian of {args.runs}:\n")
    print("| measure | median (ms) | ratio |\n|---|---:|---:|")
    print(f"| button -> label round trip | {click:.0f} | 1.00x |")
    print(f"| rating change -> both Stage 2 charts redrawn | {rate:.0f} | {rate / click:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
