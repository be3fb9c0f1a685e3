"""The practice server against `serve`: log-in to the app page, first log-in of the day, memory.

    sudo .venv/bin/python benchmarks/hub_login.py [--runs 5]

In one run: `rejection-workbook serve` (as in the browser tests) and JupyterHub started as a
practice starts it (`python -m workbook.hubsetup start`, deploy/jupyterhub/jupyterhub_config.py)
on free ports, with one throwaway system user (removed afterwards). Headless Chromium, a
fresh browser context (cold cache, no cookies) per visit; "interactive" is the app's
`.app-ready` marker on the start page.

- serve: navigate to the app page (its token in the address) -> interactive.
- hub, server running: the log-in form filled and sent -> the app page interactive.
- hub, first log-in of the day: the same with the person's server stopped (started by the
  log-in: the hub's spawn, jupyter_server, Voilà, the kernel).
- memory: RSS of every process of the person (their server and the app tab's kernel) with
  one app tab open, and of the hub, its proxy and the services (the processes under
  `hubsetup start`); the figure for 20 people is the shared part + 20 x one person.
Needs root (system users) and configurable-http-proxy. Prints a table; ratios, not seconds.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import _start_app  # noqa: E402
from tests.browser.helpers import CHROMIUM_ARGS, READY, stop_server  # noqa: E402
from tests.browser.hubkit import (  # noqa: E402
    Hub,
    Person,
    _stop_processes_of,
    descendants,
    everyone_python,
    groups_made_here,
)
from workbook import hubsetup  # noqa: E402

TIMEOUT_MS = 180_000


def rss_mb(pids: list[str]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1024


def command_of(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


def pids_of_user(name: str) -> list[str]:
    return subprocess.run(["pgrep", "-u", name], capture_output=True, text=True).stdout.split()


def timed_visit(browser, go, settle: float = 0.0) -> float:
    """Seconds from `go` to the app interactive; then the tab is closed as a person closes
    it (Voilà's beforeunload shuts its kernel down) and `settle` seconds pass: the person
    comes back later, not at once."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    started = time.perf_counter()
    go(tab)
    tab.wait_for_selector(READY, timeout=TIMEOUT_MS)
    took = time.perf_counter() - started
    with tab.expect_event("close"):
        tab.close(run_before_unload=True)
    time.sleep(settle)
    context.close()
    return took


HOPS: list[list[str]] = []  # each hub log-in's pages: the form's answer and every redirect


def hub_login(hub: Hub, person: Person):
    def go(tab):
        hops: list[str] = []
        HOPS.append(hops)

        def seen(response):
            if response.request.resource_type == "document":
                path = response.url.removeprefix(hub.base).split("?")[0]
                hops.append(f"{response.request.method} {path} {response.status}")

        tab.on("response", seen)
        tab.goto(f"{hub.base}/hub/login")
        tab.fill("#username_input", person.name)
        tab.fill("#password_input", person.password)
        tab.click("#login_submit")

    return go


def stop_person_server(hub: Hub, person: Person, token: str) -> None:
    import urllib.request

    request = urllib.request.Request(f"{hub.base}/hub/api/users/{person.name}/server", method="DELETE")
    request.add_header("Authorization", f"token {token}")
    urllib.request.urlopen(request, timeout=60).read()
    deadline = time.monotonic() + 60
    while pids_of_user(person.name) and time.monotonic() < deadline:
        time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--settle", type=float, default=10.0, help="seconds between a closed tab and the next visit"
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    person = Person(f"rwb{uuid.uuid4().hex[:6]}", secrets.token_urlsafe(12))
    other = Person(f"rwc{uuid.uuid4().hex[:6]}", secrets.token_urlsafe(12))  # on the plain hub
    folder = Path(tempfile.mkdtemp(prefix="rw-hub-bench-"))
    serve = hub = plain = None
    results: dict[str, list[float]] = {"serve": [], "hub": [], "first": [], "plain": [], "plain_first": []}
    with groups_made_here():  # the hub's Unix groups, if this run made them
        try:
            with everyone_python() as python, sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                hubsetup.add_person(person.name, person.password)
                hubsetup.add_person(other.name, other.password)
                serve = _start_app(folder / "serve-home")
                hub = Hub(python, folder / "state")
                hub.start()
                # the same hub without its internal TLS (what the protection costs), beside it
                plain = Hub(python, folder / "plain-state", internal_tls=False)
                plain.start()
                timed_visit(browser, lambda tab: tab.goto(serve.app_url()))  # warm-up, discarded
                timed_visit(browser, hub_login(hub, person))  # warm-up: the server starts
                timed_visit(browser, hub_login(plain, other))
                # a token (the person exists once logged in) to stop their server between first log-ins
                admin = hub.token(person, (f"servers!user={person.name}",))
                plain_admin = plain.token(other, (f"servers!user={other.name}",))
                for _ in range(args.runs):  # round-robin, in the same minutes
                    results["serve"].append(
                        timed_visit(browser, lambda tab: tab.goto(serve.app_url()), args.settle)
                    )
                    results["hub"].append(timed_visit(browser, hub_login(hub, person), args.settle))
                    results["plain"].append(timed_visit(browser, hub_login(plain, other), args.settle))
                hops = HOPS[-1]
                for _ in range(max(2, args.runs // 2)):
                    stop_person_server(hub, person, admin)
                    results["first"].append(timed_visit(browser, hub_login(hub, person)))
                    stop_person_server(plain, other, plain_admin)
                    results["plain_first"].append(timed_visit(browser, hub_login(plain, other)))
                stop_person_server(plain, other, plain_admin)
                warm = sum(
                    h.log.read_text(errors="replace").count("Using pre-heated kernel") for h in (hub, plain)
                )
                logins = len(HOPS)  # on both hubs
                # memory: a fresh server with exactly one app tab open (earlier visits' kernels gone)
                stop_person_server(hub, person, admin)
                context = browser.new_context()
                tab = context.new_page()
                hub_login(hub, person)(tab)
                tab.wait_for_selector(READY, timeout=TIMEOUT_MS)
                time.sleep(3)
                theirs = pids_of_user(person.name)
                person_mb = rss_mb(theirs)
                kernels = [pid for pid in theirs if "ipykernel" in command_of(pid)]
                kernel_mb = rss_mb(kernels)
                shared_mb = rss_mb(
                    [
                        pid
                        for pid in [str(hub.process.pid), *descendants(hub.process.pid)]
                        if pid not in theirs
                    ]
                )
                context.close()
                browser.close()
        finally:
            for running in (hub, plain):
                if running is not None:
                    running.stop()
            if serve is not None:
                stop_server(serve.process)
            for someone in (person, other):
                _stop_processes_of(someone.name)
                hubsetup.remove_person(someone.name)
            shutil.rmtree(folder, ignore_errors=True)

    base = statistics.median(results["serve"])
    print("| measure | median (s) | min–max (s) | ratio to serve |")
    print("|---|---:|---:|---:|")
    for key, label in (
        ("serve", "`serve`: the app page, interactive"),
        ("hub", "hub, server running: log-in -> the app page interactive"),
        ("first", "hub, first log-in of the day (server start included)"),
        ("plain", "hub without internal TLS, server running"),
        ("plain_first", "hub without internal TLS, first log-in of the day"),
    ):
        values = results[key]
        print(
            f"| {label} | {statistics.median(values):.2f} | {min(values):.2f}–{max(values):.2f} "
            f"| {statistics.median(values) / base:.2f}× |"
        )
    print()
    print(f"Hub log-ins (both hubs) whose app kernel was preheated: {warm} of {logins}")
    print("The last log-in's pages (server running):", " -> ".join(hops))
    print(
        f"RSS of one logged-in person with one app tab: {person_mb:.0f} MB "
        f"(their server {person_mb - kernel_mb:.0f} MB, {len(kernels)} kernel(s) {kernel_mb:.0f} MB)"
    )
    print(f"RSS of the hub, its proxy and the services: {shared_mb:.0f} MB")
    print(
        f"20 people at once: {shared_mb:.0f} + 20 × {person_mb:.0f} = {(shared_mb + 20 * person_mb) / 1024:.1f} GB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
