"""Practice server: how long a hub started in the background takes to stop (issue 19).

    sudo .venv/bin/python benchmarks/hub_stop.py [--runs 3] [--person]

`python -m workbook.hubsetup start` is started as a script's `... &` starts it (SIGINT
ignored), on free ports with the real config (internal TLS on); once the exchange answers
and the idle culler has reached the hub, SIGTERM goes to it, and the time is taken until it
and every process under it (hub, proxy, exchange, culler) are gone. The same code as
tests/test_deploy.py's stop test (`_stop_time`).

- after: as the code is.
- before: the same with the hub's SIGINT reset taken out (`hubsetup._default_signals`
  replaced by a no-op, as `start()` was before issue 19): the culler inherits the ignored
  SIGINT and the hub waits its 30 s interrupt_timeout for it.
- with --person: also after, with one throwaway system user's server running (started by
  logging in through the hub's form; its app kernel warm), their processes waited for too.
  Needs a Python every user can run (tests/browser/hubkit.py makes one if needed).
Needs root and configurable-http-proxy. Runs interleaved; prints one line per run.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_deploy import _stop_time  # noqa: E402
from workbook import hubsetup  # noqa: E402

BEFORE = (
    sys.executable,
    "-c",
    "import sys; from workbook import hubsetup; hubsetup._default_signals = lambda: None; "
    "sys.exit(hubsetup.main(sys.argv[1:]))",
)


def _log_in_and_wait(person, base: str, timeout: float = 240) -> list[str]:
    """Log in through the hub's form (which starts the person's server), wait until the hub
    says it is ready and its app kernel has warmed; the person's PIDs."""
    from tests.browser import hubkit

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/hub/login", timeout=30).read()
    xsrf = next(c.value for c in jar if c.name == "_xsrf")
    form = {"username": person.name, "password": person.password, "_xsrf": xsrf}
    with contextlib.suppress(OSError):  # the redirects while the server starts may time out
        opener.open(f"{base}/hub/login", data=urllib.parse.urlencode(form).encode(), timeout=timeout).read()
    body = json.dumps({"auth": {"username": person.name, "password": person.password}, "note": "stop"})
    status, answer = hubkit._get(
        f"{base}/hub/api/users/{person.name}/tokens", method="POST", data=body.encode()
    )
    assert status == 201, answer
    token = json.loads(answer)["token"]
    deadline = time.monotonic() + timeout
    while True:
        status, answer = hubkit._get(f"{base}/hub/api/users/{person.name}", token=token)
        if status == 200 and json.loads(answer).get("servers", {}).get("", {}).get("ready"):
            break
        assert time.monotonic() < deadline, "the person's server did not start"
        time.sleep(0.5)
    time.sleep(15)  # its app kernel warm, as when a person has logged in and gone
    return subprocess.run(["pgrep", "-u", person.name], capture_output=True, text=True).stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--person", action="store_true", help="also with one person's server running")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("Run as root: the hub runs as root (and --person makes a system user).")

    def report(name: str, seconds: float) -> None:
        print(f"{name}: {seconds:.2f} s (load average {os.getloadavg()[0]:.1f})", flush=True)

    kinds = [("after", {}), ("before", {"command": BEFORE})]
    if not args.person:
        for _ in range(args.runs):
            for name, options in kinds:
                report(name, _stop_time(Path(tempfile.mkdtemp(prefix="rw-stop-")), **options))
        return

    from tests.browser import hubkit

    with hubkit.everyone_python() as python, hubkit.groups_made_here():
        person = hubkit.Person(f"rw{uuid.uuid4().hex[:6]}s", secrets.token_urlsafe(12))
        hubsetup.add_person(person.name, person.password)
        try:
            kinds.append(
                (
                    "after, one person's server running",
                    {
                        "command": (python, "-m", "workbook.hubsetup"),
                        "then": lambda base: _log_in_and_wait(person, base),
                    },
                )
            )
            for _ in range(args.runs):
                for name, options in kinds:
                    report(name, _stop_time(Path(tempfile.mkdtemp(prefix="rw-stop-")), **options))
                    hubkit._stop_processes_of(person.name)  # none, if the hub did its work
        finally:
            hubkit._stop_processes_of(person.name)
            hubsetup.remove_person(person.name)


if __name__ == "__main__":
    main()
