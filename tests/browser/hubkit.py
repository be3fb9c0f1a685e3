"""The practice server for tests: JupyterHub started as a practice starts it, with real system
users, and the ways a test reaches it (log-in in Chromium, API tokens, plain requests).

Used by the round trip (test_hub.py), the attacks (test_hub_isolation.py) and
benchmarks/hub_login.py. Users are made with `useradd` and removed with `userdel -r`
afterwards, even when a test fails.
"""

from __future__ import annotations

import contextlib
import grp
import http.client
import json
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

import workbook
from workbook import hubfacts, hubsetup

from ..ports import free_ports
from .helpers import ARTIFACTS, failure_screenshot, wait_ready

SPAWN_TIMEOUT_MS = 180_000  # log-in, a person's server starting, the app drawn (2 busy cores)


def need(condition, why: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def _open_to_everyone(path: Path) -> bool:
    """Every folder above `path` can be entered by other users, and `path` read by them."""
    path = path.resolve()
    if not path.exists() or not path.stat().st_mode & stat.S_IROTH:
        return False
    return all(parent.stat().st_mode & stat.S_IXOTH for parent in path.parents)


@contextlib.contextmanager
def everyone_python():
    """A Python every user of this machine can run, with this environment's packages.

    This environment's own interpreter may sit under a private home (pyenv under /root,
    0700: other users can't run it). Then a thin venv of the system's Python of the same
    version is made in /tmp whose site-packages, share and etc are this environment's.
    Also used by benchmarks/hub_login.py.
    """
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    packages = Path(sys.prefix) / "lib" / version / "site-packages"
    if _open_to_everyone(Path(os.path.realpath(sys.executable))):
        yield sys.executable
        return
    system = shutil.which(version, path="/usr/bin:/usr/local/bin")
    if system is None:
        raise RuntimeError(f"No system {version} that every user can run.")
    folder = Path(tempfile.mkdtemp(prefix="rw-hub-python-"))
    try:
        folder.chmod(0o755)
        venv = folder / "venv"
        subprocess.run([system, "-m", "venv", "--without-pip", str(venv)], check=True)
        shutil.rmtree(venv / "lib" / version / "site-packages")
        (venv / "lib" / version / "site-packages").symlink_to(packages)
        for name in ("share", "etc"):
            if (Path(sys.prefix) / name).is_dir():
                (venv / name).symlink_to(Path(sys.prefix) / name)
        yield str(venv / "bin" / "python")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def shared_python():
    need(os.geteuid() == 0, "The practice-server test runs as root (it makes system users).")
    need(
        shutil.which(hubsetup.PROXY),
        "configurable-http-proxy is missing (npm install -g configurable-http-proxy).",
    )
    site = Path(workbook.__file__).resolve().parent
    packages = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    need(
        _open_to_everyone(site) and _open_to_everyone(packages / "site-packages"),
        f"{site} and {packages} must be readable by every user for the hub's people to run them.",
    )
    need(
        _open_to_everyone(Path(os.path.realpath(sys.executable)))
        or shutil.which(
            f"python{sys.version_info.major}.{sys.version_info.minor}", path="/usr/bin:/usr/local/bin"
        ),
        "No Python of this version that every user can run.",
    )
    with everyone_python() as python:
        yield python


@dataclass
class Person:
    name: str
    password: str


def _stop_processes_of(name: str) -> None:
    """The processes the hub started for this person (their server, its kernels), by PID."""
    found = subprocess.run(["pgrep", "-u", name], capture_output=True, text=True).stdout.split()
    for pid in found:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)


@contextlib.contextmanager
def groups_made_here():
    """The Unix groups of the hub (clients, therapists) that don't exist yet are removed
    again on the way out, even after a failure; groups that were already there stay."""
    missing = []
    for name in (hubfacts.PEOPLE_GROUP, hubfacts.THERAPISTS_GROUP):
        try:
            grp.getgrnam(name)
        except KeyError:
            missing.append(name)
    try:
        yield
    finally:
        for name in missing:
            subprocess.run(["groupdel", name], check=False, capture_output=True)


@pytest.fixture(scope="module")
def people(shared_python):
    """A therapist and two clients, real users with 0700 homes; removed afterwards, with
    the groups made for them."""
    tag = uuid.uuid4().hex[:6]
    made: list[Person] = []
    with groups_made_here():
        try:
            for role, therapist in (("t", True), ("a", False), ("b", False)):
                person = Person(f"rw{tag}{role}", secrets.token_urlsafe(12))
                made.append(person)
                hubsetup.add_person(person.name, person.password, therapist=therapist)
            yield made
        finally:
            for person in made:
                _stop_processes_of(person.name)
                hubsetup.remove_person(person.name)


def python_as(person: Person, python: str, code: str) -> str:
    """What `code`, run by `python` as `person` in a login shell of theirs, prints."""
    return subprocess.run(
        ["su", "-", person.name, "-c", f"{python} -c {json.dumps(code)}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def descendants(pid: int) -> list[str]:
    """Every process under `pid` (not `pid` itself), by PID."""
    found, waiting = [], [str(pid)]
    while waiting:
        children = subprocess.run(
            ["pgrep", "-P", waiting.pop()], capture_output=True, text=True
        ).stdout.split()
        found += children
        waiting += children
    return found


def _command(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except OSError:
        return ""


def _get(url: str, *, token: str | None = None, method: str = "GET", data: bytes | None = None):
    request = urllib.request.Request(url, method=method, data=data)
    if token:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, OSError, http.client.HTTPException):  # not (yet) ours listening
        return 0, b""


class Hub:
    """The practice server, started and stopped as a practice does (by PID)."""

    def __init__(
        self, python: str, state: Path, *, internal_tls: bool = True, spawner_environment: dict | None = None
    ):
        port, hub_port, proxy_port, service_port = free_ports(4)
        self.python, self.state = python, state
        self.base = f"http://127.0.0.1:{port}"
        self.settings = hubsetup.Settings(
            port=port,
            hub_port=hub_port,
            proxy_api_port=proxy_port,
            service_port=service_port,
            state=state,
            internal_tls=internal_tls,
            public_url=f"{self.base}/",  # as a practice sets it (deploy/README.md): reminders link home
        )
        self.process: subprocess.Popen | None = None
        self.log = state.parent / f"{state.name}.log"  # one per hub, when two run side by side
        # variables for people's servers, beyond the shipped config's (e.g. shorter cull times):
        # a config of the test's own loads the shipped one, then adds them
        self.spawner_environment = dict(spawner_environment or {})

    def _config(self) -> list[str]:
        """`--config` for `hubsetup start` when this hub changes the shipped config, else none.
        Root's file in root's own folder (0700, made by mkdtemp), as the hub demands."""
        if not self.spawner_environment:
            return []
        config = self.state.parent / f"{self.state.name}_jupyterhub_config.py"
        config.write_text(
            "# the shipped config, then what this test changes\n"
            f"load_subconfig({str(hubsetup.CONFIG)!r})  # noqa: F821\n"
            "c = get_config()  # noqa: F821\n"
            f"c.Spawner.environment = {{**c.Spawner.environment, **{self.spawner_environment!r}}}\n"
        )
        config.chmod(0o644)
        return ["--config", str(config)]

    def start(self) -> None:
        env = dict(os.environ, **self.settings.environment())
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [self.python, "-m", "workbook.hubsetup", "start", *self._config()],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
            hub_up = _get(f"{self.base}/hub/api/")[0] == 200
            if hub_up and _get(f"{self.base}/services/{hubfacts.SERVICE_NAME}/api/health")[0] == 200:
                return
            time.sleep(0.5)
        raise AssertionError("the hub did not start:\n" + self.log.read_text(errors="replace")[-3000:])

    def stop(self) -> None:
        """SIGTERM to our `hubsetup start`, which stops the hub; the hub stops its proxy,
        services and people's servers. Anything of it left after that (the hub does not
        always stop its proxy and culler, which run in sessions of their own) is killed, by
        PID, as is everything after a minute."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        started = {pid: _command(pid) for pid in descendants(process.pid)}
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        time.sleep(1)  # what the hub stopped, gone
        for pid, command in started.items():
            if command and _command(pid) == command:  # still that process, not a new one
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)

    def token(self, person: Person, scopes: tuple[str, ...] = ()) -> str:
        """An API token for `person`, asked for with their password (as a script would)."""
        body = json.dumps(
            {
                "auth": {"username": person.name, "password": person.password},
                "scopes": [f"access:services!service={hubfacts.SERVICE_NAME}", *scopes],
                "note": "test",
            }
        ).encode()
        status, answer = _get(f"{self.base}/hub/api/users/{person.name}/tokens", method="POST", data=body)
        assert status == 201, answer
        return json.loads(answer)["token"]

    def service(self, path: str) -> str:
        return f"{self.base}/services/{hubfacts.SERVICE_NAME}/{path}"


@contextlib.contextmanager
def running_hub(python: str, people: list[Person], **options):
    """A started Hub (options: Hub's), stopped afterwards with everything of its people's."""
    folder = Path(tempfile.mkdtemp(prefix="rw-hub-"))
    running = Hub(python, folder / "state", **options)
    try:
        running.start()
        yield running
    finally:
        running.stop()
        if running.log.exists():  # kept for a look after a failure
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copyfile(running.log, ARTIFACTS / "hub.log")
        for person in people:  # a server the hub did not stop
            _stop_processes_of(person.name)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def hub(shared_python, people):
    with running_hub(shared_python, people) as running:
        yield running


def log_in(browser, hub: Hub, person: Person, path: str = ""):
    """A browser of `person`'s own: log in and wait for the app (or `path`) to be drawn."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.goto(f"{hub.base}/hub/login?next=" + urllib.request.quote(f"/hub/user/{person.name}/{path}"))
    tab.fill("#username_input", person.name)
    tab.fill("#password_input", person.password)
    tab.click("#login_submit")
    try:
        wait_ready(tab, SPAWN_TIMEOUT_MS)
    except Exception:
        failure_screenshot(tab, f"hub-login-{person.name[-1]}")
        raise
    return tab


def said(tab, text: str) -> None:
    try:
        tab.get_by_text(text).first.wait_for(timeout=60_000)
    except Exception:
        failure_screenshot(tab, "hub-said")
        shown = " | ".join(tab.locator(".wb-status-near, .wb-problem").all_inner_texts())
        raise AssertionError(f"{text!r} was not shown; the page said: {shown}") from None
