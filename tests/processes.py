"""One way for tests to start a server process, wait until it is ready, and stop it by its PID.

A `Started` process runs in a session of its own (so it and everything it starts, Voilà and
the kernels, are stopped together by its process group); what it prints is read by a thread
into `lines`, so a wait never blocks on a quiet pipe past its deadline. `stop()` is SIGTERM
(or the signal given), then SIGKILL to the group after `timeout` seconds; it runs on every
way out of the `started` fixture and of `running()`, also when a test fails.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# what `rejection-workbook serve` and `lab` print: their address, with the token
URL = re.compile(r"http://127\.0\.0\.1:(\d+)/\S*token=([\w-]+)")


def serve_command(home: Path, *extra: str) -> list[str]:
    """`rejection-workbook serve` on `home`. A home served for the first time is given a free
    port of its own (kept from then on, as a person's would be): left to itself, its first
    start takes the usual port (8877) when it looks free, and two tests starting at once (in
    two xdist workers) would both see it free and one would fail to listen on it."""
    from workbook.cli import ADDRESS_FILE, DEMO_DIR

    from .ports import free_ports

    folder = Path(home) / DEMO_DIR if "--demo" in extra else Path(home)
    if "--port" not in extra and not (folder / ADDRESS_FILE).exists():
        extra = (*extra, "--port", str(free_ports(1)[0]))
    return [sys.executable, "-m", "workbook.cli", "serve", "--no-browser", "--home", str(home), *extra]


def singleuser_command(home, port: int, *extra: str) -> tuple[list[str], dict[str, str], str]:
    """A person's server as the practice hub starts it (`hubsetup.singleuser_arguments`) on
    `home`'s notebooks, on `port`: (command, environment, token). Plain jupyter_server with a
    token of its own (the hub's log-in is tested in tests/browser/test_hub.py)."""
    from workbook import hubsetup
    from workbook.cli import LAB_CONFIG, app_environment, lab_notebooks

    home.ensure()
    notebooks = lab_notebooks(home)
    env = app_environment(home.path)
    env["JUPYTER_CONFIG_PATH"] = str(LAB_CONFIG)
    env["JUPYTER_TOKEN"] = token = secrets.token_hex(16)
    command = [
        sys.executable,
        "-m",
        "jupyter_server",
        *hubsetup.singleuser_arguments(notebooks),
        f"--port={port}",
        "--ServerApp.open_browser=False",
        *extra,
    ]
    if os.geteuid() == 0 and "--ServerApp.allow_root=True" not in command:
        command.append("--ServerApp.allow_root=True")
    return command, env, token


class Started:
    def __init__(self, command: list[str], *, log: Path | None = None, **popen):
        self.command = command
        self.lines: list[str] = []
        self.log = log
        if log is not None:
            with open(log, "ab") as out:
                self.process = subprocess.Popen(
                    command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **popen
                )
        else:
            self.process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
                **popen,
            )
            self._reader = threading.Thread(target=self._read, daemon=True)
            self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def output(self) -> str:
        """All it has printed so far (from its log file when it writes to one)."""
        if self.log is not None:
            return self.log.read_text(errors="replace") if self.log.exists() else ""
        return "".join(self.lines)

    def wait_until(self, ready: Callable[[], object], *, timeout: float = 90, what: str = "ready"):
        """Poll `ready()` until it gives something true (returned); fails with the process's
        output when the process ends first or `timeout` seconds pass."""
        deadline = time.monotonic() + timeout
        while True:
            found = ready()
            if found:
                return found
            if self.process.poll() is not None:
                # one last look: it may have said it just before it ended
                found = ready()
                if found:
                    return found
                raise AssertionError(
                    f"{self.command[2:4]} exited ({self.process.returncode}) before it was {what}:\n"
                    + self.output()[-3000:]
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"not {what} after {timeout:g} s:\n" + self.output()[-3000:])
            time.sleep(0.1)

    def said(self, pattern: str | re.Pattern, *, timeout: float = 90) -> re.Match:
        """The first match of `pattern` in what it printed, waiting for it to be printed."""
        return self.wait_until(
            lambda: re.search(pattern, self.output()), timeout=timeout, what=f"saying {pattern!r}"
        )

    def url(self, *, timeout: float = 90) -> tuple[str, int, str]:
        """The address a `rejection-workbook` server prints: (url, port, token)."""
        found = self.said(URL, timeout=timeout)
        return found.group(0), int(found.group(1)), found.group(2)

    def stop(self, sig: int = signal.SIGTERM, *, timeout: float = 30) -> int | None:
        """`sig` to its process group, then SIGKILL to the group if it is not gone in `timeout`
        seconds. Returns its exit code (None when it had to be killed)."""
        code = None
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self.process.wait(timeout=timeout)
        else:
            code = self.process.returncode
        with contextlib.suppress(ProcessLookupError):  # anything of its session still there
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        return code


@contextlib.contextmanager
def running(command: list[str], **options) -> Iterator[Started]:
    """A process for the length of a `with` block (e.g. a module's fixture); stopped after."""
    process = Started(command, **options)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def started():
    """started(command, log=None, **popen) -> a Started process, stopped after the test."""
    every: list[Started] = []

    def start(command: list[str], **options) -> Started:
        every.append(Started(command, **options))
        return every[-1]

    yield start
    for process in every:
        process.stop()
