"""The `rejection-workbook` command: serve the app, open JupyterLab, manage workbooks."""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from . import __version__
from .content import CRISIS_ENV, LANGUAGE_ENV, LANGUAGES
from .model import InvalidEntry
from .paths import HOME_ENV, TOKEN_ENV, jupyter_data_dir, notebooks_dir
from .registry import APP_NOTEBOOK
from .store import Home, WorkbookError
from .text import labels

TEMPLATE = "rejection-workbook"
START_PAGE = APP_NOTEBOOK
# The single-page notebooks (00_start.ipynb …) still open on their own, but only the app
# keeps a preheated kernel waiting: one standby kernel, not one per notebook.
NOT_PREHEATED = r".*\d\d_[^/]*\.ipynb$"
IDLE_KERNEL_SECONDS = 15 * 60
STARTUP_TIMEOUT = 60.0
STARTS = 3  # tries, each on a new free port, before giving up
DEMO_DIR = "demo"  # the demo's own home, inside the person's
LAB_DIR = "notebooks"  # JupyterLab's folder, inside the person's home
LAB_CONFIG = Path(__file__).resolve().parent / "jupyter_config"


class CliError(Exception):
    """A problem to report in one plain sentence, without a traceback."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_port(port: int) -> int:
    """`port` if it can be used on 127.0.0.1; CliError if it is taken or out of range."""
    if not 1 <= port <= 65535:
        raise CliError(f"Port {port} is not a valid port number (1-65535).")
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise CliError(
                f"Port {port} is already in use. Leave out --port to pick a free one, or choose another."
            ) from None
    return port


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


def voila_command(port: int, *, dark: bool = False, notebooks: Path | None = None) -> list[str]:
    """The Voilà command line `serve` runs: localhost only, no sources, idle kernels culled,
    and the app's kernel preheated (run before it is asked for, so the first page is ready
    sooner than a plain Voilà page).

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
        "--strip_sources=True",
        "--show_tracebacks=False",
        f"--template={TEMPLATE}",
        f"--MappingKernelManager.cull_idle_timeout={IDLE_KERNEL_SECONDS}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
        "--preheat_kernel=True",
        "--pool_size=1",
        f"--VoilaKernelManager.preheat_denylist={[NOT_PREHEATED]!r}",
        # share files (at most 16 MiB, base64 on the way) must fit through the widget websocket
        "--Voila.tornado_settings={'websocket_max_message_size': 33554432}",
    ]
    if dark:
        command.append("--theme=dark")
    return command


def start_url(port: int, token: str, slug: str | None = None) -> str:
    url = f"http://127.0.0.1:{port}/voila/render/{START_PAGE}?token={quote(token)}"
    return url + (f"&workbook={quote(slug)}" if slug else "")


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
            raise ServerExited("The app stopped while starting. Run again with --verbose to see why.")
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
    raise CliError(f"The app did not start within {timeout:.0f} seconds.")


def _home(args) -> Home:
    home = Home(args.home)
    home.ensure()
    return home


def _resolve_workbook(home: Home, name: str | None) -> str | None:
    if not name:
        return None
    found = home.find(name)
    if found is None:
        raise CliError(f"There is no workbook called '{name}'. `rejection-workbook list` shows them.")
    home.set_current(found.slug)
    return found.slug


def cmd_serve(args) -> int:
    home = _home(args)
    if getattr(args, "demo", False):
        from .demo import install_demo

        # The demo lives in a home of its own: never among, or instead of, the person's workbooks.
        home = Home(home.path / DEMO_DIR)
        args.workbook = install_demo(home)
    slug = _resolve_workbook(home, args.workbook)
    token = secrets.token_urlsafe(24)
    env = app_environment(home.path, crisis_line=args.crisis_line, token=token)
    output = None if args.verbose else subprocess.DEVNULL
    for _attempt in range(STARTS):
        port = check_port(args.port) if args.port else free_port()
        process = subprocess.Popen(voila_command(port, dark=args.dark), env=env, stdout=output, stderr=output)
        try:
            wait_for_server(port, process)
            break
        except ServerExited:
            if args.port:  # the person chose this port: say so rather than pick another
                raise
        except BaseException:
            process.kill()
            raise

    def started() -> None:
        if process.poll() is not None:
            raise ServerExited("The app stopped while starting. Run again with --verbose to see why.")
        url = start_url(port, token, slug)
        print(f"The workbook is open at:\n\n    {url}\n\nWorkbooks are kept in {home.path}")
        print("Press Ctrl+C here to stop.", flush=True)
        if not args.no_browser:
            webbrowser.open(url)

    return supervise(process, started)


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


def cmd_lab(args) -> int:
    home = _home(args)
    _resolve_workbook(home, args.workbook)
    env = app_environment(home.path, crisis_line=args.crisis_line)
    # our lab settings (no "Jupyter news" prompt: nothing is fetched from the internet)
    configs = [str(LAB_CONFIG)] + [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(configs)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={lab_notebooks(home)}",
        "--ServerApp.ip=127.0.0.1",
    ]
    if args.port:
        command.append(f"--ServerApp.port={check_port(args.port)}")
    if args.no_browser:
        command.append("--no-browser")
    if os.geteuid() == 0:  # JupyterLab refuses root unless told; the person chose to run as root
        command.append("--allow-root")
    return supervise(subprocess.Popen(command, env=env))


def cmd_list(args) -> int:
    home = Home(args.home)
    home.check()  # a home that can't be read or written says so, rather than "No workbooks yet"
    infos = home.list()
    if not infos:
        print(f"No workbooks yet in {home.path}. Make one with: rejection-workbook new NAME")
        return 0
    current = home.current()
    names = labels((info.name, info.slug) for info in infos)
    for info in infos:
        mark = "*" if info.slug == current else " "
        if info.problem:
            print(f"! {names[info.slug]}: {info.problem}")
            continue
        print(
            f"{mark} {names[info.slug]}  ({info.slug}, last change "
            f"{info.updated_at[:16].replace('T', ' ') or 'never'})"
        )
    return 0


def cmd_new(args) -> int:
    home = _home(args)
    with home.create(args.name) as wb:
        home.set_current(wb.path.stem)
        print(f"Created the workbook '{wb.name}' in {home.path}.")
    return 0


def cmd_export(args) -> int:
    from .export import write_export

    home = Home(args.home)
    home.check()  # ...rather than "There is no workbook called"
    found = home.find(args.name)
    if found is None:
        raise CliError(f"There is no workbook called '{args.name}'. `rejection-workbook list` shows them.")
    with home.open(found.slug) as wb:
        path = write_export(wb, args.path)
    print(f"Saved everything in '{found.name}' to {path} (readable by you only).")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rejection-workbook",
        description="A calm, private workbook for working through rejection. Runs on this computer only.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--home",
        help=f"folder that holds the workbooks (default: ${HOME_ENV} or your user data folder)",
    )
    common.add_argument(
        "--language", choices=LANGUAGES, help=f"en or es (default: ${LANGUAGE_ENV} or your browser's)"
    )
    server = argparse.ArgumentParser(add_help=False)
    server.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    server.add_argument("--workbook", help="open this workbook (its name)")
    server.add_argument("--no-browser", action="store_true", help="don't open a browser")
    server.add_argument("--crisis-line", help="the crisis line to show on every page, for your country")
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser("serve", parents=[common, server], help="start the app (the default)")
    serve.add_argument("--dark", action="store_true", help="use the dark theme")
    serve.add_argument("--demo", action="store_true", help="open a filled-in demo workbook")
    serve.add_argument("--verbose", action="store_true", help="show the server's log")
    serve.set_defaults(func=cmd_serve)

    lab = sub.add_parser("lab", parents=[common, server], help="open the notebooks in JupyterLab")
    lab.set_defaults(func=cmd_lab)

    listing = sub.add_parser("list", parents=[common], help="list the workbooks")
    listing.set_defaults(func=cmd_list)

    new = sub.add_parser("new", parents=[common], help="create a workbook")
    new.add_argument("name", help="the workbook's name, e.g. 'After the interview'")
    new.set_defaults(func=cmd_new)

    export = sub.add_parser("export", parents=[common], help="save a workbook as a zip of CSV and JSON files")
    export.add_argument("name", help="the workbook's name (see `rejection-workbook list`)")
    export.add_argument("path", help="the zip file to create, e.g. my-workbook.zip")
    export.set_defaults(func=cmd_export)

    from .exchange_cli import add_commands  # prepare, share, import, annotate, return, report...

    add_commands(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["serve", *argv]  # `serve` is the default command
    args = parser.parse_args(argv)
    if getattr(args, "language", None):  # this process, the server and its kernels
        os.environ[LANGUAGE_ENV] = args.language
    try:
        return args.func(args)
    except (CliError, WorkbookError, InvalidEntry) as exc:
        print(f"rejection-workbook: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
