"""Lighthouse on the app's first page, on a stage reached by its address and on a plain Voilà
page, phone (Lighthouse's default: simulated slow 4G, a 4x slower CPU) and desktop, in one run.

    /path/to/python benchmarks/lighthouse.py [--runs 3] [--json benchmarks/out/lighthouse.json]

Three pages, visited round-robin (page by page, phone then desktop, `--runs` times over), the
median of each reported:

- app: the app's first page, `rejection-workbook serve --demo` as a person starts it;
- stage: the same app opened on a stage by its address (`app.ipynb#reason`);
- plain: benchmarks/one_button.ipynb (one Button) served by plain `voila` with its default
  settings, the baseline.

Lighthouse 12.2.3 (npm) is installed once into a cache folder outside the repository
($LIGHTHOUSE_CACHE, else ~/.cache/rejection-workbook-bench/lighthouse): the benchmark may
download it, the app never does. It drives Debian's Chromium ($CHROME_PATH, else
/usr/bin/chromium) headless. The table: performance, accessibility and best practices
(0-100), what went over the network (KiB, Lighthouse's total byte weight), how many scripts,
and the total blocking time; then the app's figures over the plain page's.

The servers run from the checkout this file is in (its `workbook` package first on the
path). `--before DIR` (a checkout of an earlier commit, e.g. `git worktree add`) serves that
checkout's app too and measures its first page in the same rounds ("before"), so both meet
the same load. A Lighthouse run that fails twice (on a busy machine Chromium may answer
too late) is left out of the median; the table says how many runs counted.

`--hub` (root: it makes a throwaway system user, removed afterwards) starts the practice
server as a practice does (tests/browser/hubkit.py), logs that person in with Playwright and
measures their app page too ("hub"), in the same rounds: in a Chromium of its own where
they logged in, which Lighthouse attaches to (`--port`) and whose log-in it keeps, as their
phone would; a run that lands anywhere but the app page (the log-in form) stops the
benchmark instead of counting.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "benchmarks"
sys.path.insert(0, str(REPO))

from app_shell import start_baseline  # noqa: E402

from tests.browser.helpers import stop_server as stop  # noqa: E402

LIGHTHOUSE = "lighthouse@12.2.3"
CACHE = Path(
    os.environ.get("LIGHTHOUSE_CACHE", Path.home() / ".cache" / "rejection-workbook-bench" / "lighthouse")
)
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
PAGES = ("app", "stage", "plain")
PRESETS = ("mobile", "desktop")
ATTEMPTS = 2
COLUMNS = ("performance", "accessibility", "best practices", "KiB", "scripts", "TBT ms")


def lighthouse_bin() -> Path:
    """Lighthouse's command, installed into CACHE with npm the first time."""
    command = CACHE / "node_modules" / ".bin" / "lighthouse"
    if not command.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(CACHE), LIGHTHOUSE], check=True
        )
    return command


def environment(repo: Path) -> dict:
    """The environment for the servers: the checkout's `workbook` first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(repo), *filter(None, [env.get("PYTHONPATH")])])
    return env


def start_plain(folder: Path) -> tuple[subprocess.Popen, str]:
    """Plain Voilà, default settings, serving the one-button page (app_shell's baseline)."""
    process, base = start_baseline(folder)
    return process, f"{base}/one_button.ipynb"


def start_app(home: Path, log: Path, repo: Path = REPO) -> tuple[subprocess.Popen, str]:
    """`rejection-workbook serve --demo` from the checkout `repo`; returns (process, the
    address it prints)."""
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "workbook.cli", "serve", "--demo", "--no-browser", "--home", str(home)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=environment(repo),
            cwd=repo,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = re.search(r"http://127\.0\.0\.1:\d+/\S+token=[\w-]+", log.read_text(errors="replace"))
        if found:
            return process, found.group(0)
        if process.poll() is not None:
            break
        time.sleep(0.2)
    stop(process)
    raise SystemExit("serve did not print its address:\n" + log.read_text(errors="replace")[-2000:])


@contextlib.contextmanager
def hub_app_page(folder: Path) -> Iterator[tuple[str, int]]:
    """The practice server's app page of a throwaway person, logged in, in a Chromium of its
    own that Lighthouse attaches to: (the page's address, that Chromium's debugging port).
    Lighthouse keeps a browser's cookies (it clears its caches, not its log-ins), so the page
    and its kernel's websocket come as they come to the person's phone after logging in.
    Everything is stopped and removed on the way out."""
    from playwright.sync_api import sync_playwright

    from tests.browser.helpers import CHROMIUM_ARGS, wait_ready
    from tests.browser.hubkit import (
        SPAWN_TIMEOUT_MS,
        Person,
        _stop_processes_of,
        everyone_python,
        groups_made_here,
        running_hub,
    )
    from tests.ports import free_ports
    from workbook import hubsetup

    person = Person(f"rwl{uuid.uuid4().hex[:6]}", uuid.uuid4().hex)
    (port,) = free_ports(1)
    with groups_made_here(), everyone_python() as python:
        hubsetup.add_person(person.name, person.password)
        chromium = None
        try:
            with running_hub(python, [person]) as hub:
                chromium = subprocess.Popen(
                    [
                        CHROME,
                        "--headless=new",
                        *CHROMIUM_ARGS,
                        f"--remote-debugging-port={port}",
                        f"--user-data-dir={folder / 'chromium'}",
                        "about:blank",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                with sync_playwright() as playwright:
                    browser = connect(playwright, port)
                    tab = browser.contexts[0].new_page()
                    tab.goto(f"{hub.base}/hub/login?next=/hub/user/{person.name}/")
                    tab.fill("#username_input", person.name)
                    tab.fill("#password_input", person.password)
                    tab.click("#login_submit")
                    wait_ready(tab, SPAWN_TIMEOUT_MS)
                    url = tab.url.split("#")[0]
                    tab.close()
                yield url, port
        finally:
            if chromium is not None:
                chromium.terminate()
                chromium.wait(timeout=30)
            _stop_processes_of(person.name)
            hubsetup.remove_person(person.name)


def connect(playwright, port: int):
    """Playwright on the Chromium listening on `port`, once it listens."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def measure(command: Path, url: str, preset: str, out: Path, port: int | None = None) -> dict | None:
    """One Lighthouse run: the table's figures for one page (in the Chromium on `port` if
    given, else in one Lighthouse starts)."""
    args = [
        str(command),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        *(
            [f"--port={port}"]
            if port
            else [f"--chrome-path={CHROME}", "--chrome-flags=--headless=new --no-sandbox"]
        ),
        "--only-categories=performance,accessibility,best-practices",
        "--max-wait-for-load=120000",
    ]
    if preset == "desktop":
        args.append("--preset=desktop")
    for attempt in range(ATTEMPTS):  # on a busy machine Chromium's replies may come too late
        out.unlink(missing_ok=True)
        done = subprocess.run(args, env={**os.environ, "CHROME_PATH": CHROME}, timeout=600)
        if done.returncode == 0 and out.exists():
            break
        print(f"  Lighthouse failed on {url} ({preset}), attempt {attempt + 1}", flush=True)
    else:
        return None  # left out of the median; the table says how many runs counted
    report = json.loads(out.read_text())
    landed = report.get("finalDisplayedUrl", "").split("?")[0].split("#")[0]
    if landed != url.split("?")[0].split("#")[0]:  # e.g. a log-in form: not the page asked for
        raise SystemExit(f"Lighthouse measured {landed}, not {url}")
    score = {key: round(100 * (value["score"] or 0)) for key, value in report["categories"].items()}
    audits = report["audits"]
    requests = audits["network-requests"]["details"]["items"]
    return {
        "performance": score["performance"],
        "accessibility": score["accessibility"],
        "best practices": score["best-practices"],
        "KiB": audits["total-byte-weight"]["numericValue"] / 1024,
        "scripts": sum(1 for item in requests if item.get("resourceType") == "Script"),
        "TBT ms": audits["total-blocking-time"]["numericValue"],
    }


def median_row(runs: list[dict]) -> dict:
    if not runs:
        return {column: float("nan") for column in COLUMNS} | {"n": 0}
    return {column: statistics.median(run[column] for run in runs) for column in COLUMNS} | {"n": len(runs)}


def print_table(medians: dict, runs: int) -> None:
    print(f"\nLighthouse 12.2.3, median of {runs}; Chromium {CHROME}\n")
    print("| preset | page | " + " | ".join(COLUMNS) + " | runs |")
    print("|---|---|" + "---:|" * (len(COLUMNS) + 1))
    for preset in PRESETS:
        for page in medians[preset]:
            row = medians[preset][page]
            cells = [f"{row[c]:.0f}" for c in COLUMNS]
            print(f"| {preset} | {page} | " + " | ".join(cells) + f" | {row['n']} |")
        for page in [page for page in medians[preset] if page != "plain" and "plain" in medians[preset]]:
            app, plain = medians[preset][page], medians[preset]["plain"]
            ratios = [f"{app[c] / plain[c]:.2f}x" if plain[c] else "-" for c in COLUMNS]
            print(f"| {preset} | {page}/plain | " + " | ".join(ratios) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write every run and the medians here")
    parser.add_argument(
        "--before",
        type=Path,
        help="a checkout of an earlier commit: its app's first page measured too, interleaved",
    )
    parser.add_argument("--reports", type=Path, help="keep each page's last Lighthouse report here")
    parser.add_argument(
        "--hub", action="store_true", help="the practice server's app page too (root: a throwaway user)"
    )
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=PAGES, help="of app, stage, plain")
    args = parser.parse_args(argv)
    # a SIGTERM (a background job ignores Ctrl+C) still stops the servers and removes the user
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    command = lighthouse_bin()
    load = os.getloadavg()
    pages = [*args.pages, *(["before"] if args.before else []), *(["hub"] if args.hub else [])]
    results = {preset: {page: [] for page in pages} for preset in PRESETS}
    servers = []
    ports: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp, contextlib.ExitStack() as stack:
        (Path(tmp) / "plain").mkdir()
        try:
            plain, plain_url = start_plain(Path(tmp) / "plain")
            servers.append(plain)
            app, app_url = start_app(Path(tmp) / "home", Path(tmp) / "serve.log")
            servers.append(app)
            urls = {"app": app_url, "stage": app_url + "#reason", "plain": plain_url}
            if args.before:
                before, urls["before"] = start_app(
                    Path(tmp) / "home-before", Path(tmp) / "before.log", args.before.resolve()
                )
                servers.append(before)
            if args.hub:
                urls["hub"], ports["hub"] = stack.enter_context(hub_app_page(Path(tmp)))
            for run in range(args.runs):
                for preset in PRESETS:
                    for page in pages:
                        figures = measure(
                            command, urls[page], preset, Path(tmp) / "report.json", ports.get(page)
                        )
                        if figures is not None:
                            results[preset][page].append(figures)
                            if args.reports:
                                args.reports.mkdir(parents=True, exist_ok=True)
                                report = Path(tmp) / "report.json"
                                report.replace(args.reports / f"{page}-{preset}.json")
                        print(f"run {run + 1} {preset:7} {page:6}", figures, flush=True)
        finally:
            for server in servers:
                stop(server)
    medians = {preset: {page: median_row(results[preset][page]) for page in pages} for preset in PRESETS}
    print_table(medians, args.runs)
    print(
        f"\nload average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; after: {os.getloadavg()[0]:.2f}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "machine": platform.platform(),
                    "cpus": os.cpu_count(),
                    "load": load,
                    "runs": results,
                    "medians": medians,
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
