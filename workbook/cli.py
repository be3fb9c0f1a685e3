"""The `rejection-workbook` command: serve the app, open JupyterLab, manage workbooks."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import webbrowser
from pathlib import Path
from urllib.parse import quote

from . import __version__
from .content import CRISIS_ENV
from .model import InvalidEntry
from .paths import HOME_ENV, TOKEN_ENV, jupyter_data_dir, notebooks_dir
from .store import Home, WorkbookError
from .text import labels

TEMPLATE = "rejection-workbook"
START_PAGE = "00_start.ipynb"
IDLE_KERNEL_SECONDS = 15 * 60
STARTUP_TIMEOUT = 60.0


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
    """The Voilà command line `serve` runs: localhost only, no sources, idle kernels culled.

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
        # share files up to 128 MiB must fit through the widget websocket (default: 10 MiB)
        "--Voila.tornado_settings={'websocket_max_message_size': 134217728}",
    ]
    if dark:
        command.append("--theme=dark")
    return command


def start_url(port: int, token: str, slug: str | None = None) -> str:
    url = f"http://127.0.0.1:{port}/voila/render/{START_PAGE}?token={quote(token)}"
    return url + (f"&workbook={quote(slug)}" if slug else "")


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = STARTUP_TIMEOUT) -> None:
    """Return once the server accepts connections; CliError if it exits or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CliError("The app stopped while starting. Run again with --verbose to see why.")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
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

        args.workbook = install_demo(home)
    slug = _resolve_workbook(home, args.workbook)
    port = check_port(args.port) if args.port else free_port()
    token = secrets.token_urlsafe(24)
    env = app_environment(home.path, crisis_line=args.crisis_line, token=token)
    output = None if args.verbose else subprocess.DEVNULL
    process = subprocess.Popen(voila_command(port, dark=args.dark), env=env, stdout=output, stderr=output)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill PID` stops the server too, not just Ctrl+C
    try:
        wait_for_port(port, process)
        url = start_url(port, token, slug)
        print(f"The workbook is open at:\n\n    {url}\n\nWorkbooks are kept in {home.path}")
        print("Press Ctrl+C here to stop.", flush=True)
        if not args.no_browser:
            webbrowser.open(url)
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


def cmd_lab(args) -> int:
    home = _home(args)
    _resolve_workbook(home, args.workbook)
    env = app_environment(home.path, crisis_line=args.crisis_line)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={notebooks_dir()}",
        "--ServerApp.ip=127.0.0.1",
    ]
    if args.port:
        command.append(f"--ServerApp.port={check_port(args.port)}")
    if args.no_browser:
        command.append("--no-browser")
    if os.geteuid() == 0:  # JupyterLab refuses root unless told; the person chose to run as root
        command.append("--allow-root")
    return subprocess.call(command, env=env)


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
    try:
        return args.func(args)
    except (CliError, WorkbookError, InvalidEntry) as exc:
        print(f"rejection-workbook: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
