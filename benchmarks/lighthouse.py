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
measures their app page too ("hub"), in the same rounds. Lighthouse comes with the person's
cookies as a header (`--extra-headers`), as their phone would after logging in; a run that
lands anywhere but the app page (the log-in form) stops the benchmark instead of counting.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
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
def hub_app_page() -> Iterator[tuple[str, dict]]:
    """The practice server's app page of a throwaway person, logged in: (its address, the
    headers that carry their log-in). Everything is stopped and removed on the way out."""
    from playwright.sync_api import sync_playwright

    from tests.browser.helpers import CHROMIUM_ARGS
    from tests.browser.hubkit import (
        Person,
        _stop_processes_of,
        everyone_python,
        groups_made_here,
        log_in,
        running_hub,
    )
    from workbook import hubsetup

    person = Person(f"rwl{uuid.uuid4().hex[:6]}", uuid.uuid4().hex)
    with groups_made_here(), everyone_python() as python:
        hubsetup.add_person(person.name, person.password)
        try:
            with running_hub(python, [person]) as hub:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path=CHROME, args=CHROMIUM_ARGS)
                    tab = log_in(browser, hub, person)
                    url = tab.url.split("#")[0]
                    cookies = tab.context.cookies(url)
                    browser.close()
                yield url, {"Cookie": "; ".join(f"{c['name']}={c['value']}" for c in cookies)}
        finally:
            _stop_processes_of(person.name)
            hubsetup.remove_person(person.name)


def measure(command: Path, url: str, preset: str, out: Path, headers: dict | None = None) -> dict | None:
    """One Lighthouse run: the table's figures for one page (`headers` sent with every request)."""
    args = [
        str(command),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        f"--chrome-path={CHROME}",
        "--chrome-flags=--headless=new --no-sandbox",
        "--only-categories=performance,accessibility,best-practices",
        "--max-wait-for-load=120000",
    ]
    if preset == "desktop":
        args.append("--preset=desktop")
    if headers:
        args.append(f"--extra-headers={json.dumps(headers)}")
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
        for page in [page for page in medians[preset] if page != "plain"]:
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
    parser.add_argument(
        "--hub", action="store_true", help="the practice server's app page too (root: a throwaway user)"
    )
    args = parser.parse_args(argv)
    command = lighthouse_bin()
    load = os.getloadavg()
    pages = [*PAGES, *(["before"] if args.before else []), *(["hub"] if args.hub else [])]
    results = {preset: {page: [] for page in pages} for preset in PRESETS}
    servers = []
    headers: dict[str, dict] = {}
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
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
                urls["hub"], headers["hub"] = stack.enter_context(hub_app_page())
            for run in range(args.runs):
                for preset in PRESETS:
                    for page in pages:
                        figures = measure(
                            command, urls[page], preset, Path(tmp) / "report.json", headers.get(page)
                        )
                        if figures is not None:
                            results[preset][page].append(figures)
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
