"""Time to interactive of every page, and time to save one entry, in one run.

    /path/to/python benchmarks/ttfi.py [--runs 5] [--empty] [--json benchmarks/out/ttfi.json]

One Voilà server is started exactly as `rejection-workbook serve` starts it
(`workbook.cli.voila_command` and `app_environment`: our template, token, stripped
sources), on 127.0.0.1 and a free port, over a temporary folder holding a copy of every
page notebook in notebooks/ plus benchmarks/one_button.ipynb, the baseline: one
ipywidgets Button carrying the `.app-ready` class. Pages open the demo workbook (a
filled-in one; `--empty` for a fresh, empty workbook instead).

Time to interactive: headless Chromium, a fresh browser context (cold cache) per visit,
time from the start of navigation until the `.app-ready` selector is in the page. One
warm-up visit per page is thrown away; then the pages are visited round-robin, `--runs`
times each, and the median is reported with its ratio to the one-button page.

Time to save: the median of `Workbook.put` (one check-in, its own transaction) against a
bare `sqlite3` insert + commit into a table in a WAL database with the same pragmas.

The one change from `serve`: idle kernels are culled after a few seconds instead of 15
minutes, because Voilà cannot shut down the kernel of a closed tab (voila issue 1458)
and forty visits would otherwise leave forty kernels running.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for tests.browser

from tests.browser.helpers import CHROMIUM_ARGS  # noqa: E402
from tests.browser.helpers import stop_server as stop  # noqa: E402
from workbook import __version__
from workbook.cli import app_environment, free_port, voila_command
from workbook.paths import notebooks_dir
from workbook.registry import page_notebooks
from workbook.store import Home

HERE = Path(__file__).resolve().parent
BASELINE = "one_button.ipynb"
READY = ".app-ready"
SAVES = 200


def serve(folder: Path, home: Path) -> tuple[subprocess.Popen, str, str]:
    """Start Voilà the way `serve` does; returns (process, base URL, token)."""
    port, token = free_port(), secrets.token_urlsafe(24)
    command = voila_command(port, notebooks=folder)
    command = [c for c in command if not c.startswith("--MappingKernelManager.cull_")]
    command += [
        "--MappingKernelManager.cull_idle_timeout=4",
        "--MappingKernelManager.cull_interval=2",
        "--MappingKernelManager.cull_connected=False",
    ]
    process = subprocess.Popen(
        command,
        env=app_environment(home, token=token),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("Voilà stopped while starting.")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"http://127.0.0.1:{port}", token
        time.sleep(0.1)
    stop(process)
    raise SystemExit("Voilà did not start within 60 s.")


# Records, in the page, when the marker first appears (ms since navigation started).
WATCH_READY = """
new MutationObserver((_changes, observer) => {
  if (document.querySelector('READY')) { window.__wbReady = performance.now(); observer.disconnect(); }
}).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['class']});
""".replace("READY", READY)


def visit(browser, url: str) -> tuple[float, float]:
    """(time to interactive, time until the HTML had arrived), in seconds from the start of
    navigation. The HTML is streamed while the kernel runs the notebook, so the second is
    roughly the server's share; the rest is the browser loading and drawing the widgets."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.add_init_script(WATCH_READY)
        tab = context.new_page()
        tab.goto(url, wait_until="commit")
        tab.wait_for_selector(READY, state="attached", timeout=120_000)
        tab.wait_for_function("window.__wbReady !== undefined")
        ready, html = tab.evaluate(
            "[window.__wbReady, performance.getEntriesByType('navigation')[0].responseEnd]"
        )
        return ready / 1000, html / 1000
    finally:
        context.close()


def time_to_interactive(
    pages: list[str], runs: int, *, empty: bool
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Per page, the times to interactive and the times until the HTML had arrived."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        raise SystemExit("Chromium is not installed (apt-get install chromium).")
    with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
        folder, home_dir = Path(tmp) / "notebooks", Path(tmp) / "home"
        folder.mkdir()
        shutil.copy(HERE / BASELINE, folder / BASELINE)
        for name in pages:
            shutil.copy(notebooks_dir() / name, folder / name)
        home = Home(home_dir)
        home.ensure()
        slug = _workbook(home, empty=empty)
        process, base, token = serve(folder, home_dir)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
                names = [BASELINE, *pages]

                def url(name: str) -> str:
                    query = f"?token={token}" + ("" if name == BASELINE else f"&workbook={slug}")
                    return f"{base}/voila/render/{name}{query}"

                for name in names:  # warm-up: first compile, imports into the page cache
                    visit(browser, url(name))
                times: dict[str, list[float]] = {name: [] for name in names}
                html: dict[str, list[float]] = {name: [] for name in names}
                for round_ in range(runs):
                    for name in names:
                        ready, served = visit(browser, url(name))
                        times[name].append(ready)
                        html[name].append(served)
                    print(f"  round {round_ + 1}/{runs} done", file=sys.stderr, flush=True)
                browser.close()
        finally:
            stop(process)
    return times, html


def _workbook(home: Home, *, empty: bool) -> str:
    if not empty:
        try:
            from workbook.demo import install_demo

            found = home.find(install_demo(home))
            if found is not None:
                return found.slug
        except ImportError:
            pass
    with home.create("Benchmark") as wb:
        return wb.path.stem


def time_to_save(n: int = SAVES) -> dict[str, list[float]]:
    """Seconds per `Workbook.put` of one check-in, and per bare sqlite insert + commit."""
    with tempfile.TemporaryDirectory(prefix="wb-save-") as tmp:
        home = Home(Path(tmp) / "home")
        home.ensure()
        put_times = []
        with home.create("Saving") as wb:
            for i in range(n):
                start = time.perf_counter()
                wb.put("checkin", {"ratings": {"sadness": i % 11, "relief": 3}, "own_words": "a few words"})
                put_times.append(time.perf_counter() - start)
        conn = sqlite3.connect(Path(tmp) / "bare.sqlite", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("CREATE TABLE entry (id INTEGER PRIMARY KEY, kind TEXT, data TEXT, created_at TEXT)")
        bare_times = []
        for i in range(n):
            start = time.perf_counter()
            conn.execute("BEGIN")
            conn.execute(
                "INSERT INTO entry (kind, data, created_at) VALUES (?, ?, ?)",
                ("checkin", json.dumps({"ratings": {"sadness": i % 11}}), dt.datetime.now().isoformat()),
            )
            conn.execute("COMMIT")
            bare_times.append(time.perf_counter() - start)
        conn.close()
    return {"Workbook.put (one check-in)": put_times, "bare sqlite insert + commit": bare_times}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    chromium = shutil.which("chromium")
    version = ""
    if chromium:
        version = subprocess.run([chromium, "--version"], capture_output=True, text=True).stdout.strip()
    import voila

    return (
        f"{platform.system()} {platform.release()}, {cpu} ({os.cpu_count()} CPUs){memory}; "
        f"Python {platform.python_version()}, voila {voila.__version__}, {version}; "
        f"rejection-workbook {__version__}; load average {os.getloadavg()[0]:.1f}"
    )


def table(times: dict[str, list[float]], html: dict[str, list[float]]) -> str:
    base = statistics.median(times[BASELINE])
    lines = [
        "| page | median TTI (s) | min–max (s) | HTML done (s) | ratio to one-button |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, values in times.items():
        median = statistics.median(values)
        flag = "" if name == BASELINE or median / base <= 1.2 else " ⚠ over 1.2×"
        lines.append(
            f"| {name} | {median:.2f} | {min(values):.2f}–{max(values):.2f} "
            f"| {statistics.median(html[name]):.2f} | {median / base:.2f}×{flag} |"
        )
    return "\n".join(lines)


def save_table(saves: dict[str, list[float]]) -> str:
    (put_name, put), (bare_name, bare) = saves.items()
    pm, bm = statistics.median(put) * 1000, statistics.median(bare) * 1000
    return "\n".join(
        [
            "| save | median (ms) | ratio to bare insert |",
            "|---|---:|---:|",
            f"| {put_name} | {pm:.2f} | {pm / bm:.1f}× |",
            f"| {bare_name} | {bm:.2f} | 1.0× |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="visits per page (default 5)")
    parser.add_argument("--empty", action="store_true", help="pages open an empty workbook, not the demo")
    parser.add_argument("--pages", nargs="*", help="only these page notebooks (default: all)")
    parser.add_argument("--json", type=Path, help="also write the raw timings here")
    args = parser.parse_args(argv)
    pages = args.pages or page_notebooks()
    started = dt.datetime.now().astimezone()
    saves = time_to_save()
    times, html = time_to_interactive(pages, args.runs, empty=args.empty)
    print(f"\n{started:%Y-%m-%d %H:%M %Z} — {machine()}")
    print(f"{'empty workbook' if args.empty else 'demo workbook'}, median of {args.runs} visits each\n")
    print(table(times, html))
    print()
    print(save_table(saves))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {"date": started.isoformat(), "machine": machine(), "tti": times, "html": html, "save": saves}
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
