"""The one-page app against a plain Voilà page, measured in one run.

    /path/to/python benchmarks/app_shell.py [--runs 5]

Two servers run side by side on 127.0.0.1:

- the baseline: a plain `voila` with its default settings (not our template, not our
  configuration) serving benchmarks/one_button.ipynb (one Button) and
  benchmarks/round_trip.ipynb (a Button whose click changes a Label);
- the app, started exactly as a person starts it: `rejection-workbook serve --demo`.

Every time is measured in headless Debian Chromium, as a median of `--runs`:

- baseline page: navigation start until the one-button page is interactive (`.app-ready`);
- round trip: button click until the label shows the new count (performance.now());
- app first page: navigation start until the app's start page is interactive, in a fresh
  browser context each time (cold cache), after the app's standby kernel is ready again;
- the same Voilà as the app's: benchmarks/one_button.ipynb served by a third server started
  with the app's own Voilà command line (`workbook.cli.voila_command`: our template, a
  preheated kernel, the same lab extensions), timed like the app's first page. It is the
  least any page costs there, before our widgets: what is left of the first page once
  our own part is taken away;
- switch to a new stage: click on a nav link until that stage is interactive (its own
  `.app-ready` footer drawn and painted), for each stage, each run on a freshly opened app:
  once clicking straight on as soon as each page is ready, once after reading each page
  for a few seconds (when the app builds the next pages ahead);
- switch back: the same click to a stage already shown, once straight after the first-time
  switches (while the app still builds and draws what they asked for), once after reading
  each page for a few seconds;
- where a switch back goes (`--trace`): one more walk's switches back, clicking straight
  on, in Chrome's own timeline (not counted in the times above: tracing slows them): the
  click's handler, style, layout, paint and garbage collection inside each, medians in ms;
- memory: RSS of the Voilà server and every kernel under it after visiting every stage
  twice; then the tab is closed and, 30 s later, the kernels still running are counted
  (the standby kernel that waits for the next visitor is one of them).

Prints a Markdown table with the ratios the targets in benchmarks/README.md speak of.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for tests.browser

from ttfi import machine  # noqa: E402

from tests.browser.helpers import CHROMIUM_ARGS, close_tab, kernel_pids  # noqa: E402
from tests.browser.helpers import stop_server as stop  # noqa: E402
from workbook.cli import app_environment, free_port, voila_command, wait_for_server  # noqa: E402
from workbook.registry import STAGES  # noqa: E402

HERE = Path(__file__).resolve().parent
READY = ".app-ready"
READING_SECONDS = 3  # how long the "reading" walk stays on a page before the next click

# Both times below end the same way: the change is in the page, then the browser has laid
# it out and painted it. A MutationObserver notices the change as it happens (a polling loop
# would add timer delays to the short times).
WAIT_JS = """
  const until = (test) => new Promise((resolve) => {
    if (test()) return resolve();
    const seen = new MutationObserver(() => { if (test()) { seen.disconnect(); resolve(); } });
    seen.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  const painted = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
"""

# Click a stage's nav link on the page shown, then wait for that stage's footer.
SWITCH_JS = f"""
async (key) => {{
  {WAIT_JS}
  await until(() => document.documentElement.dataset.wbShow);  // the app has said what it shows
  const here = document.documentElement.dataset.wbShow;
  const link = document.querySelector(`.wb-stage-${{here}} .wb-nav a[href="#${{key}}"]`);
  const shown = `html[data-wb-show="${{key}}"] .wb-stages > .wb-stage-${{key}}`;
  const t0 = performance.now();
  link.click();
  await until(() => document.querySelector(`${{shown}} .wb-current[href="#${{key}}"]`) &&
    document.querySelector(`${{shown}} .app-ready`));
  await painted();
  return performance.now() - t0;
}}
"""

# Click the round-trip page's button, then wait for its label to show the new count.
TRIP_JS = f"""
async () => {{
  {WAIT_JS}
  const label = document.querySelector('.app-ready .widget-label');
  const before = label.textContent, t0 = performance.now();
  document.querySelector('.app-ready button').click();
  await until(() => label.textContent !== before);
  await painted();
  return performance.now() - t0;
}}
"""


def start_baseline(folder: Path) -> tuple[subprocess.Popen, str]:
    """Plain Voilà, default settings, serving the baseline notebooks."""
    for name in ("one_button.ipynb", "round_trip.ipynb"):
        shutil.copy(HERE / name, folder)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voila",
            str(folder),
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_server(port, process)
    return process, f"http://127.0.0.1:{port}/voila/render"


def start_same_voila(folder: Path, home: Path) -> tuple[subprocess.Popen, str]:
    """The one-button page on a server started with the app's own Voilà command line."""
    shutil.copy(HERE / "one_button.ipynb", folder)
    port, token = free_port(), secrets.token_urlsafe(16)
    process = subprocess.Popen(
        voila_command(port, notebooks=folder),
        env=app_environment(home, token=token),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_server(port, process)
    return process, f"http://127.0.0.1:{port}/voila/render/one_button.ipynb?token={token}"


def start_app(home: Path) -> tuple[subprocess.Popen, str]:
    """`rejection-workbook serve --demo`, as a person starts it; returns (process, URL)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "workbook.cli", "serve", "--demo", "--no-browser", "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+/\S+", line)
        if found:
            return process, found.group(0)
        if not line and process.poll() is not None:
            break
    stop(process)
    raise SystemExit("serve did not print its address.")


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def descendants(pid: int) -> list[int]:
    found, waiting = [], [pid]
    while waiting:
        for child in _children(waiting.pop()):
            found.append(child)
            waiting.append(child)
    return found


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total / 1024


_used: set[int] = set()  # kernels a visit has taken


def wait_standby(pid: int, timeout: float = 90) -> None:
    """Wait until the app has a standby kernel no visit has used yet (the kernel of a tab
    just closed may still be shutting down: it does not count), and it has run the app."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not set(kernel_pids(pid)) - _used:
        time.sleep(0.2)
    time.sleep(8)  # the new kernel runs the app notebook before it can serve a page
    _used.update(kernel_pids(pid))  # the visit that follows takes it


def visit(browser, url: str, selector: str = READY) -> tuple[object, object, float]:
    """Open `url` in a fresh context; (context, tab, seconds until `selector` is visible)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.goto(url, wait_until="commit")
    tab.wait_for_selector(selector, timeout=120_000)
    ready = tab.evaluate(
        f"""() => {{
        const found = [...document.querySelectorAll('{selector}')].find(e => e.offsetParent !== null);
        return found ? performance.now() : null; }}"""
    )
    return context, tab, ready / 1000


# What the browser's main thread did during a switch, by kind of work (Chrome's trace names).
COST_KINDS = {
    "click handler": ("EventDispatch",),
    "style": ("UpdateLayoutTree",),
    "layout": ("Layout",),
    "paint": ("PrePaint", "Paint", "Layerize", "Commit"),
    "garbage collection": ("V8.GC_MC_INCREMENTAL", "MajorGC", "MinorGC", "V8.GC_SCAVENGER"),
}


def switch_costs(trace: dict) -> dict[str, float]:
    """Medians (ms) of each kind of work in the switches a trace holds: each switch runs from
    its click until the next click (or 60 ms), on the page's main thread."""
    events = trace["traceEvents"]
    clicks = sorted(
        (
            e
            for e in events
            if e.get("name") == "EventDispatch" and e.get("args", {}).get("data", {}).get("type") == "click"
        ),
        key=lambda e: e["ts"],
    )
    if not clicks:
        return {}
    main = (clicks[0]["pid"], clicks[0]["tid"])
    timed = [e for e in events if (e["pid"], e["tid"]) == main and e.get("ph") == "X" and "dur" in e]
    found: dict[str, list[float]] = {kind: [] for kind in COST_KINDS}
    for click, following in zip(clicks, [*clicks[1:], None], strict=True):
        end = min(click["ts"] + 60_000, following["ts"] if following else float("inf"))
        inside = [e for e in timed if click["ts"] <= e["ts"] < end]
        for kind, names in COST_KINDS.items():
            if kind == "click handler":
                found[kind].append(click["dur"] / 1000)
            else:
                found[kind].append(sum(e["dur"] for e in inside if e["name"] in names) / 1000)
    return {kind: statistics.median(ms) for kind, ms in found.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--trace", action="store_true", help="one more walk's switches back, traced: where they go"
    )
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    keys = [s.key for s in STAGES[1:]]
    with tempfile.TemporaryDirectory(prefix="wb-shell-") as tmp:
        for folder in ("baseline", "same", "same-home"):
            (Path(tmp) / folder).mkdir()
        baseline, base_url = start_baseline(Path(tmp) / "baseline")
        same, same_url = start_same_voila(Path(tmp) / "same", Path(tmp) / "same-home")
        app, app_url = start_app(Path(tmp) / "home")
        results: dict[str, list[float]] = {
            "baseline": [],
            "round trip": [],
            "same voila": [],
            "first page": [],
            "back": [],
            "back after reading": [],
        }
        switches: dict[str, list[float]] = {k: [] for k in keys}
        reading: dict[str, list[float]] = {k: [] for k in keys}
        costs: dict[str, float] = {}
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
                # Every server's caches are warmed once.
                for url in (f"{base_url}/one_button.ipynb", same_url, app_url):
                    context, tab, _ = visit(browser, url)
                    close_tab(tab)
                    context.close()
                wait_standby(same.pid)
                for run in range(args.runs):
                    context, tab, seconds = visit(browser, f"{base_url}/one_button.ipynb")
                    results["baseline"].append(seconds)
                    close_tab(tab)
                    context.close()
                    context, tab, _ = visit(browser, f"{base_url}/round_trip.ipynb")
                    results["round trip"].append(tab.evaluate(TRIP_JS) / 1000)
                    close_tab(tab)
                    context.close()
                    context, tab, seconds = visit(browser, same_url)
                    results["same voila"].append(seconds)
                    close_tab(tab)
                    context.close()
                    # Its next standby kernel starts 20 s after the visit (as the app's does):
                    # waited for here, so that it never starts during another measurement.
                    wait_standby(same.pid)
                    wait_standby(app.pid)
                    context, tab, seconds = visit(browser, app_url)
                    results["first page"].append(seconds)
                    for key in keys:
                        switches[key].append(tab.evaluate(SWITCH_JS, key) / 1000)
                    for key in ["start", *keys]:
                        results["back"].append(tab.evaluate(SWITCH_JS, key) / 1000)
                    close_tab(tab)
                    context.close()
                    # The same walk as a person reads: a few seconds on each page first.
                    wait_standby(app.pid)
                    context, tab, _ = visit(browser, app_url)
                    for key in keys:
                        time.sleep(READING_SECONDS)
                        reading[key].append(tab.evaluate(SWITCH_JS, key) / 1000)
                    for key in ["start", *keys]:
                        time.sleep(READING_SECONDS)
                        results["back after reading"].append(tab.evaluate(SWITCH_JS, key) / 1000)
                    close_tab(tab)
                    context.close()
                    print(f"  run {run + 1}/{args.runs} done", file=sys.stderr, flush=True)

                if args.trace:  # the same walk once more, traced (not counted in the times above)
                    wait_standby(app.pid)
                    context, tab, _ = visit(browser, app_url)
                    for key in keys:
                        tab.evaluate(SWITCH_JS, key)
                    browser.start_tracing(page=tab, categories=["devtools.timeline", "v8"])
                    traced = [tab.evaluate(SWITCH_JS, key) for key in ["start", *keys]]
                    costs = {"whole switch": statistics.median(traced)}
                    costs.update(switch_costs(json.loads(browser.stop_tracing())))
                    close_tab(tab)
                    context.close()

                # Memory after visiting every stage twice in one tab, then the tab closes.
                wait_standby(app.pid)
                context, tab, _ = visit(browser, app_url)
                for key in [*keys, "start", *keys]:
                    tab.evaluate(SWITCH_JS, key)
                time.sleep(2)
                server = [p for p in descendants(app.pid)]
                memory = rss_mb(server)
                kernels_open = len(kernel_pids(app.pid))
                close_tab(tab)
                context.close()
                time.sleep(30)
                kernels_after = len(kernel_pids(app.pid))
                browser.close()
        finally:
            stop(app)
            stop(same)
            stop(baseline)

    base = statistics.median(results["baseline"])
    trip = statistics.median(results["round trip"])
    print(f"{machine()}\nload average before: {os.getloadavg()}\nmedian of {args.runs} runs\n")
    print("| measure | median | ratio | target |\n|---|---:|---:|---|")
    print(f"| plain voila, one-button page interactive | {base:.2f} s | 1.00x baseline | |")
    print(f"| button -> label round trip | {trip * 1000:.0f} ms | 1.00x round trip | |")
    first = statistics.median(results["first page"])
    floor = statistics.median(results["same voila"])
    print(f"| app: first page interactive | {first:.2f} s | {first / base:.2f}x baseline | <= 0.5x |")
    print(
        f"| the app's own Voilà command, one-button page interactive | {floor:.2f} s "
        f"| {floor / base:.2f}x baseline (app: {first / floor:.2f}x this) | |"
    )
    for key, times in switches.items():
        med = statistics.median(times)
        print(
            f"| app: switch to {key} (first time) | {med * 1000:.0f} ms | {med / base:.2f}x baseline | <= 0.2x |"
        )
    for key, times in reading.items():
        med = statistics.median(times)
        print(
            f"| app: switch to {key} (first time, after {READING_SECONDS} s reading) | {med * 1000:.0f} ms "
            f"| {med / base:.2f}x baseline | <= 0.2x |"
        )
    for name, label in (
        ("back", "clicking straight on"),
        ("back after reading", f"after {READING_SECONDS} s reading"),
    ):
        back = statistics.median(results[name])
        print(
            f"| app: switch back to a stage shown before ({label}) | {back * 1000:.0f} ms "
            f"| {back / trip:.2f}x round trip | <= 3x |"
        )
    for kind, ms in costs.items():
        print(f"| app: switch back, clicking straight on (traced): {kind} | {ms:.1f} ms | | |")
    print(f"| app: server + kernels after every stage twice | {memory:.0f} MB RSS | | <= 400 MB |")
    print(
        f"| app: kernels with the tab open / 30 s after it closed | {kernels_open} / {kernels_after} | | standby only |"
    )
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sys.exit(main())
