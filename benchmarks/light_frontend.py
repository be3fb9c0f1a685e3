"""Voilà's front end against the app's light one (issue 22), in one run, on the app's first page.

    /path/to/python benchmarks/light_frontend.py [--runs 3] [--slow] [--json out.json]

Two servers are started as a person starts the app (`rejection-workbook serve --demo`, each
on a home of its own): one as usual, one with REJECTION_WORKBOOK_FRONTEND=light. Their first
pages are visited in turn (a fresh browser context each time: nothing cached), waiting
between visits for the server to have its next kernel preheated, as a person's first visit
finds it. For each visit: the bytes transferred (headers and encoded bodies, as the network
carried them), the number of requests and of scripts the server sent, and the time from the
start of navigation until the page is usable (the app's `.app-ready` marker, visible). The
medians per front end are printed; unthrottled, also the bytes of a repeat visit (the same
page again in the same browser, its cache kept: `repeat_kib`). With --slow the tab is throttled as Lighthouse's mobile
run is: slow 4G (150 ms, 1.6 Mbit/s down, 750 kbit/s up) and the CPU 4x slower.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser.helpers import CHROMIUM_ARGS, close_tab, slow_phone, stop_server  # noqa: E402
from tests.processes import Started, serve_command  # noqa: E402
from workbook.voila_settings import FRONTEND_ENV  # noqa: E402

READY = ".app-ready:visible"
FRONTENDS = ("voila", "light")
KERNEL_READY_S = 40  # the next preheated kernel: REFILL_SECONDS, then its start


def start(frontend: str, home: Path) -> tuple[Started, str]:
    env = {**os.environ, FRONTEND_ENV: frontend}
    server = Started(serve_command(home, "--demo"), env=env)
    url, _port, _token = server.url(timeout=120)
    return server, url


def visit(browser, url: str, slow: bool, repeat: bool = False) -> dict:
    context = browser.new_context(viewport={"width": 412, "height": 823}, is_mobile=True, has_touch=True)
    tab = context.new_page()
    if slow:
        slow_phone(tab)
    finished = []
    tab.on("requestfinished", lambda request: finished.append(request))
    began = time.monotonic()
    tab.goto(url, wait_until="commit", timeout=180_000)
    tab.locator(READY).first.wait_for(timeout=180_000)
    ready = time.monotonic() - began
    time.sleep(1.0)  # what the page asks for just after (the widgets' own scripts)
    served = [r for r in finished if r.url.startswith("http")]
    transferred = _transferred(served)
    result = {
        "ready_s": round(ready, 2),
        "kib": round(transferred / 1024, 1),
        "requests": len(served),
        "scripts": sum(r.resource_type == "script" for r in served),
        "blob_scripts": sum(r.url.startswith("blob:") for r in finished),
    }
    close_tab(tab)
    if repeat:  # the same page again in the same browser: what its cache does not spare
        again = context.new_page()
        finished.clear()
        again.on("requestfinished", lambda request: finished.append(request))
        again.goto(url, wait_until="commit", timeout=180_000)
        again.locator(READY).first.wait_for(timeout=180_000)
        time.sleep(1.0)
        result["repeat_kib"] = round(
            _transferred([r for r in finished if r.url.startswith("http")]) / 1024, 1
        )
        close_tab(again)
    context.close()
    return result


def _transferred(requests) -> int:
    total = 0
    for request in requests:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--slow", action="store_true", help="Lighthouse's mobile throttling")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    results: dict[str, list[dict]] = {name: [] for name in FRONTENDS}
    with tempfile.TemporaryDirectory(prefix="light-bench-") as tmp:
        servers = {name: start(name, Path(tmp) / name) for name in FRONTENDS}
        try:
            time.sleep(KERNEL_READY_S)  # both preheated
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
                for run in range(args.runs):
                    for name in FRONTENDS:
                        found = visit(browser, servers[name][1], args.slow, repeat=not args.slow)
                        results[name].append(found)
                        print(f"run {run + 1} {name:5} {found}", flush=True)
                    if run + 1 < args.runs:
                        time.sleep(KERNEL_READY_S)
                browser.close()
        finally:
            for server, _url in servers.values():
                stop_server(server.process)
    summary = {
        name: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        for name, runs in results.items()
    }
    print(f"\nmedians over {args.runs} visits{' (slow 4G, 4x CPU)' if args.slow else ''}:")
    for name, medians in summary.items():
        print(f"  {name:5} {medians}")
    if args.json:
        args.json.write_text(json.dumps({"slow": args.slow, "runs": results, "medians": summary}, indent=1))


if __name__ == "__main__":
    main()
