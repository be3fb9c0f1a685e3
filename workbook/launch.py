"""The servers the app runs in, as processes: Voilà for `serve`, JupyterLab for `lab` (and,
on the practice hub, each person's server: workbook/hub/setup.py).

Their command lines and environment, a free port on 127.0.0.1, waiting until one answers,
and stopping it when the command that started it stops.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from . import portable, voila_settings
from .clikit import problem, words
from .content import CRISIS_ENV
from .errors import CliError
from .paths import HOME_ENV, PACKAGE_DIR, TOKEN_ENV, jupyter_data_dir, notebooks_dir
from .registry import APP_NOTEBOOK
from .store import Home

START_PAGE = APP_NOTEBOOK
STARTUP_TIMEOUT = 60.0
LAB_DIR = "notebooks"  # JupyterLab's folder, inside the person's home
LAB_CONFIG = PACKAGE_DIR / "jupyter_config"  # our lab settings (no "Jupyter news" prompt)
LAB_START = "00_start.ipynb"  # the notebook JupyterLab opens on


# -- ports ---------------------------------------------------------------------------------------
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Whether our server could listen on `port` now. As the server does (tornado), a port
    whose last connections are still closing (TIME_WAIT, for a minute after a restart)
    counts as free; one that anything is listening on does not."""
    with socket.socket() as sock:
        if portable.POSIX:  # (on Windows the same option would let two servers share a port)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def check_port(port: int) -> int:
    """`port` if it can be used on 127.0.0.1; CliError if it is taken or out of range."""
    if not 1 <= port <= 65535:
        raise problem("bad_port", port=str(port))  # a port, not a quantity: no thousands separator
    if not port_is_free(port):
        raise problem("port_taken", port=str(port))
    return port


# -- environment ---------------------------------------------------------------------------------
def app_environment(home: Path, *, crisis_line: str | None = None, token: str | None = None) -> dict:
    """The environment the server and its kernels run in: home, template path, crisis line,
    and the server's token (read and removed by `workbook.server`, so kernels never see it)."""
    env = dict(os.environ)
    env.pop(TOKEN_ENV, None)
    if token:
        env[TOKEN_ENV] = token
    env[HOME_ENV] = str(home)
    paths = [str(jupyter_data_dir())] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    if crisis_line:
        env[CRISIS_ENV] = crisis_line
    return env


def with_lab_config(env: dict) -> dict:
    """`env` with our lab settings first on JUPYTER_CONFIG_PATH (for `lab` and each person's
    server on the hub): no "Jupyter news" prompt, nothing fetched from the internet."""
    configs = [str(LAB_CONFIG)] + [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(configs)
    return env


# -- command lines -------------------------------------------------------------------------------
def voila_command(port: int, *, dark: bool = False, notebooks: Path | None = None) -> list[str]:
    """The Voilà command line `serve` runs: localhost only, and Voilà's settings for the app
    (workbook/voila_settings.py: no sources, kernels of vanished tabs culled, the app's kernel
    preheated).

    It runs `workbook.server`, which takes the token from the environment (see
    `app_environment`), never from this command line that `ps` shows everyone.
    """
    command = [
        sys.executable,
        "-m",
        "workbook.server",
        str(notebooks or notebooks_dir()),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        *voila_settings.standalone_flags(),
    ]
    if dark:
        command.append("--theme=dark")
    return command


def start_url(port: int, token: str, slug: str | None = None) -> str:
    url = f"http://127.0.0.1:{port}/voila/render/{START_PAGE}?token={quote(token)}"
    return url + (f"&workbook={quote(slug)}" if slug else "")


def lab_command(port: int, notebooks: Path) -> list[str]:
    """The JupyterLab command line `lab` runs: localhost only, opening on the start notebook
    (not the Launcher). Its token comes from the environment (JUPYTER_TOKEN), never from this
    command line that `ps` shows everyone."""
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={notebooks}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--LabApp.default_url=/lab/tree/{LAB_START}",
        "--no-browser",  # we open the browser ourselves, once the server answers
    ]
    if portable.running_as_root():  # JupyterLab refuses root unless told; the person chose to run as root
        command.append("--allow-root")
    return command


def lab_url(port: int, token: str) -> str:
    """The address of the start notebook in JupyterLab, with its token."""
    return f"http://127.0.0.1:{port}/lab/tree/{LAB_START}?token={quote(token)}"


def lab_notebooks(home: Home) -> Path:
    """The person's own notebooks folder in the workbook home, where JupyterLab opens.

    Shipped notebooks are copied in when missing; a notebook already there (perhaps
    edited by the person) is never overwritten. Saving never writes into the package.
    """
    folder = home.path / LAB_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    for notebook in sorted(notebooks_dir().glob("*.ipynb")):
        target = folder / notebook.name
        if not target.exists():
            shutil.copyfile(notebook, target)
    return folder


# -- running -------------------------------------------------------------------------------------
class ServerExited(CliError):
    """The server stopped while starting (most often: its port was taken meanwhile)."""


def wait_for_server(port: int, process: subprocess.Popen, timeout: float = STARTUP_TIMEOUT) -> None:
    """Return once our server answers HTTP on `port`; CliError if it exits or takes too long.

    An open port is not enough: between picking a free port and the server binding it,
    another program (a kernel's ZeroMQ socket, say) can take it, and answer no HTTP.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerExited(words()["errors"]["stopped_starting"])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/voila/static/")
            if connection.getresponse().getheader("Server", "").startswith("TornadoServer"):
                return
        except (OSError, http.client.HTTPException):
            pass
        finally:
            connection.close()
        time.sleep(0.1)
    raise problem("too_slow", seconds=f"{timeout:.0f}")


def supervise(process: subprocess.Popen, started: Callable[[], None] | None = None) -> int:
    """Wait for the server `process` we started; it stops when we do.

    Ctrl+C and `kill PID` (SIGTERM) on this command stop the server too (which shuts down
    its kernels), so nothing is left running. Returns the server's exit code, or 0 when
    we were stopped.
    """
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if started is not None:
            started()
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt
