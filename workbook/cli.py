"""The `rejection-workbook` command: serve the app, open JupyterLab, manage workbooks."""

from __future__ import annotations

import datetime as dt
import http.client
import json
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
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import click

from . import __version__, exchange_cli, portable
from .clikit import PROG, helps, home_option, problem, runs, say, words
from .content import CRISIS_ENV
from .errors import CliError
from .paths import HOME_ENV, TOKEN_ENV, jupyter_data_dir, notebooks_dir
from .registry import APP_NOTEBOOK
from .store import Home
from .text import labels

TEMPLATE = "rejection-workbook"
START_PAGE = APP_NOTEBOOK
# The single-page notebooks (00_start.ipynb …) still open on their own, but only the app
# keeps a preheated kernel waiting: one standby kernel, not one per notebook.
NOT_PREHEATED = r".*\d\d_[^/]*\.ipynb$"
# A page's kernel that no tab is connected to any more (closed, crashed, a phone asleep: no
# close handler ran) is shut down after this long without activity, looked for this often:
# gone within 3 minutes, as Voilà's docs advise. A tab that is open keeps its kernel however
# long the person reads (`cull_connected` off); a phone that sleeps stops answering the
# server's pings (every 30 s) and loses its connection within about 2 minutes.
# $REJECTION_WORKBOOK_CULL="IDLE[,INTERVAL]" (seconds) changes both, for tests: one place.
CULL_ENV = "REJECTION_WORKBOOK_CULL"
IDLE_KERNEL_SECONDS = 120
CULL_INTERVAL_SECONDS = 60
# The next standby kernel starts this long after the last one was taken, not at once:
# starting one (imports, the app notebook) takes seconds of CPU, which the page just opened
# needs more, on a small machine, while the person takes their first steps in it.
REFILL_SECONDS = 20
UNUSED_EXTENSIONS = (
    "jupyterlab-plotly",
    "@voila-dashboards/jupyterlab-preview",
    "jupyterlab_pygments",  # colours for code, and the app page shows none
)  # lab extensions the app page does without
STARTUP_TIMEOUT = 60.0
STARTS = 3  # tries before giving up: the folder's own port, then new free ones
# The app's address stays the same from run to run, so a bookmark keeps working: each
# workbook folder keeps its port (this one, the first time, when it is free) and its token
# in a file only its owner can read.
DEFAULT_PORT = 8877
ADDRESS_FILE = "address.json"
DEMO_DIR = "demo"  # the demo's own home, inside the person's
LAB_DIR = "notebooks"  # JupyterLab's folder, inside the person's home
LAB_CONFIG = Path(__file__).resolve().parent / "jupyter_config"
LAB_START = "00_start.ipynb"  # the notebook JupyterLab opens on


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
        raise problem("bad_port", port=port)
    if not port_is_free(port):
        raise problem("port_taken", port=port)
    return port


def cull_seconds(env: dict | None = None) -> tuple[int, int]:
    """(idle, interval): how long a kernel no tab is connected to may sit idle, and how often
    the server looks. $REJECTION_WORKBOOK_CULL ("IDLE" or "IDLE,INTERVAL", whole seconds above
    0) changes them; anything else keeps the defaults."""
    value = (os.environ if env is None else env).get(CULL_ENV, "")
    parts = [part.strip() for part in value.split(",")]
    if value and len(parts) <= 2 and all(part.isdigit() and int(part) > 0 for part in parts):
        idle = int(parts[0])
        return idle, int(parts[1]) if len(parts) == 2 else min(CULL_INTERVAL_SECONDS, idle)
    return IDLE_KERNEL_SECONDS, CULL_INTERVAL_SECONDS


def cull_arguments(env: dict | None = None) -> list[str]:
    """The kernel manager's options for culling: the same for `serve` and the hub."""
    idle, interval = cull_seconds(env)
    return [
        f"--MappingKernelManager.cull_idle_timeout={idle}",
        f"--MappingKernelManager.cull_interval={interval}",
        "--MappingKernelManager.cull_connected=False",  # a person reading keeps their page
    ]


@dataclass
class Address:
    """Where a workbook folder's app is served: its port and its private token."""

    port: int | None
    token: str


def _good_token(token: object) -> bool:
    return isinstance(token, str) and len(token) >= 24 and token.replace("-", "").replace("_", "").isalnum()


def read_address(folder: Path) -> Address:
    """The folder's kept address; a new token (and no port yet) when there is none, or when
    the file could have been read by anyone else (then the token may be known)."""
    path = folder / ADDRESS_FILE
    try:
        with open(path, encoding="utf-8") as file:
            info = os.fstat(file.fileno())
            kept = json.load(file)
        private = not portable.POSIX or (info.st_mode & 0o077 == 0 and info.st_uid == os.getuid())
    except (OSError, ValueError):
        kept, private = {}, False
    port = kept.get("port") if isinstance(kept, dict) else None
    port = port if isinstance(port, int) and 1 <= port <= 65535 else None
    token = kept.get("token") if isinstance(kept, dict) and private else None
    return Address(port, token if _good_token(token) else secrets.token_urlsafe(24))


def keep_address(folder: Path, address: Address) -> None:
    """Write the address file, readable and writable by its owner only (0600)."""
    path = folder / ADDRESS_FILE
    tmp = path.with_name(f".{ADDRESS_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        portable.owner_only(fd)
        os.write(fd, json.dumps({"port": address.port, "token": address.token}).encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)


def choose_port(address: Address, asked: int | None) -> int:
    """The port to serve on this time: the one asked for (kept from now on), else the folder's
    own (the first time: DEFAULT_PORT if free). When the folder's own is taken, a free one for
    this time only, said plainly; the bookmark works again once the folder's own port is free."""
    if asked:
        address.port = check_port(asked)
        return asked
    if address.port is None:
        address.port = DEFAULT_PORT if port_is_free(DEFAULT_PORT) else free_port()
        if address.port != DEFAULT_PORT:
            say("port_new", usual=DEFAULT_PORT, port=address.port)
        return address.port
    if port_is_free(address.port):
        return address.port
    port = free_port()
    say("port_moved", usual=address.port, port=port)
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
    """The Voilà command line `serve` runs: localhost only, no sources, kernels of vanished tabs culled,
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
        *cull_arguments(),
        "--preheat_kernel=True",
        "--pool_size=1",
        f"--VoilaKernelManager.preheat_denylist={[NOT_PREHEATED]!r}",
        f"--VoilaKernelManager.fill_delay={REFILL_SECONDS}",
        # Charts load plotly.js themselves, when the first one is drawn (charts/render.py);
        # plotly's lab extension would load its own ~5 MB copy before every first page.
        f"--VoilaConfiguration.extension_denylist={list(UNUSED_EXTENSIONS)!r}",
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


def _home(args) -> Home:
    home = Home(args.home)
    home.ensure()
    return home


def _resolve_workbook(home: Home, name: str | None) -> str | None:
    if not name:
        return None
    found = home.find(name)
    if found is None:
        raise problem("no_such_workbook", name=name)
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
    # the same address as last time (port and token), so a bookmark opens the app again
    address = read_address(home.path)
    port = choose_port(address, args.port)
    keep_address(home.path, address)
    token = address.token
    env = app_environment(home.path, crisis_line=args.crisis_line, token=token)
    output = None if args.verbose else subprocess.DEVNULL
    for attempt in range(STARTS):
        if attempt:  # the port was taken meanwhile: another, for this time only
            port = free_port()
            say("port_moved", usual=address.port, port=port)
        process = subprocess.Popen(voila_command(port, dark=args.dark), env=env, stdout=output, stderr=output)
        try:
            wait_for_server(port, process)
            break
        except ServerExited:
            # the person chose this port: say so rather than pick another
            if args.port or attempt == STARTS - 1:
                raise
        except BaseException:
            process.kill()
            raise

    def started() -> None:
        if process.poll() is not None:
            raise ServerExited(words()["errors"]["stopped_starting"])
        url = start_url(port, token, slug)
        say("open_at", url=url, home=home.path)
        say("stop")
        sys.stdout.flush()
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


def workbook_in_use(home: Home) -> str | None:
    """The workbook the person is using: the one chosen last (the current one), unless another
    has been written to since it was chosen. (The app keeps writing to the workbook its
    address names, so a workbook made meanwhile, e.g. by `new` or `start-from`, is the last
    one made but not the one in use.) With no current one, the one written to last."""
    current = home.current()
    moments = ((_moment(info.updated_at), info.slug) for info in home.list() if not info.problem)
    written = sorted(((when, slug) for when, slug in moments if when is not None), reverse=True)
    if current is None:
        return written[0][1] if written else None
    try:
        chosen_at = dt.datetime.fromtimestamp(home._current_file.stat().st_mtime, dt.UTC)
    except OSError:
        return current
    later = [slug for when, slug in written if when > chosen_at]
    return later[0] if later else current


def _moment(stamp: str) -> dt.datetime | None:
    """A stored ISO time as an aware datetime (UTC when it says no zone); None if it isn't one."""
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


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


def cmd_lab(args) -> int:
    home = _home(args)
    slug = _resolve_workbook(home, args.workbook) or workbook_in_use(home)
    if slug is not None:
        home.set_current(slug)  # every notebook opened without a link writes to it
    env = app_environment(home.path, crisis_line=args.crisis_line)
    # our lab settings (no "Jupyter news" prompt: nothing is fetched from the internet)
    configs = [str(LAB_CONFIG)] + [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(configs)
    token = secrets.token_urlsafe(24)
    env["JUPYTER_TOKEN"] = token
    port = check_port(args.port) if args.port else free_port()
    notebooks = lab_notebooks(home)
    # quiet and plain, like `serve`: JupyterLab's own log only with --verbose
    output = None if args.verbose else subprocess.DEVNULL
    process = subprocess.Popen(lab_command(port, notebooks), env=env, stdout=output, stderr=output)
    try:
        wait_for_server(port, process)
    except BaseException:
        process.kill()
        raise

    def started() -> None:
        url = lab_url(port, token)
        name = next((info.name for info in home.list() if info.slug == slug), None)
        say("lab_open_at", url=url, home=home.path)
        if name:
            say("lab_workbook", name=name)
        else:
            say("lab_no_workbook")
        say("stop")
        sys.stdout.flush()
        if not args.no_browser:
            webbrowser.open(url)

    return supervise(process, started)


def cmd_list(args) -> int:
    home = Home(args.home)
    home.check()  # a home that can't be read or written says so, rather than "No workbooks yet"
    infos = home.list()
    if not infos:
        say("no_workbooks", home=home.path)
        return 0
    current = home.current()
    names = labels((info.name, info.slug) for info in infos)
    for info in infos:
        mark = "*" if info.slug == current else " "
        if info.problem:
            say("listed_problem", name=names[info.slug], problem=info.problem)
            continue
        when = info.updated_at[:16].replace("T", " ") or words()["say"]["never"]
        say("listed", mark=mark, name=names[info.slug], slug=info.slug, when=when)
    return 0


def cmd_new(args) -> int:
    home = _home(args)
    with home.create(args.name) as wb:
        home.set_current(wb.path.stem)
        say("created", name=wb.name, home=home.path)
    return 0


def cmd_export(args) -> int:
    from .export import write_export

    home = Home(args.home)
    home.check()  # ...rather than "There is no workbook called"
    found = home.find(args.name)
    if found is None:
        raise problem("no_such_workbook", name=args.name)
    with home.open(found.slug) as wb:
        path = write_export(wb, args.path)
    say("exported", name=found.name, path=path)
    return 0


HELP = ("-h", "--help")


class DefaultGroup(click.Group):
    """A group that runs `serve` when no command is named: bare `rejection-workbook`, or
    options first (`rejection-workbook --port 8000`)."""

    default_command = "serve"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0].startswith("-") and args[0] not in (*HELP, "--version")):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


@click.group(
    cls=DefaultGroup,
    help=words()["description"],
    context_settings={"help_option_names": list(HELP)},
)
@click.version_option(__version__, prog_name=PROG, message="%(prog)s %(version)s")
def app() -> None:
    pass


def server_options(command):
    """The options `serve` and `lab` share."""
    for option in reversed(
        (
            home_option,
            click.option("--port", type=int, help=helps("port")),
            click.option("--workbook", help=helps("workbook")),
            click.option("--no-browser", is_flag=True, help=helps("no_browser")),
            click.option("--crisis-line", help=helps("crisis_line")),
        )
    ):
        command = option(command)
    return command


# The commands: one block each; a new one is a function `cmd_x(args)` and a block here
# (the therapist exchange's are in workbook/exchange_cli.py).
@app.command("serve", help=helps("serve"))
@server_options
@click.option("--dark", is_flag=True, help=helps("dark"))
@click.option("--demo", is_flag=True, help=helps("demo"))
@click.option("--verbose", is_flag=True, help=helps("verbose"))
def _serve(**options) -> int:
    return runs(cmd_serve)(**options)


@app.command("lab", help=helps("lab"))
@server_options
@click.option("--verbose", is_flag=True, help=helps("verbose"))
def _lab(**options) -> int:
    return runs(cmd_lab)(**options)


@app.command("list", help=helps("list"))
@home_option
def _list(**options) -> int:
    return runs(cmd_list)(**options)


@app.command("new", help=helps("new"))
@click.argument("name")
@home_option
def _new(**options) -> int:
    return runs(cmd_new)(**options)


@app.command("export", help=helps("export"))
@click.argument("name")
@click.argument("path")
@home_option
def _export(**options) -> int:
    return runs(cmd_export)(**options)


exchange_cli.add_commands(app)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for a problem told in one sentence)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return app.main(args=argv, prog_name=PROG, standalone_mode=False) or 0
    except click.ClickException as exc:  # ours (Problem) and click's own (a wrong option...)
        exc.show()
        return exc.exit_code
    except click.Abort:  # Ctrl+C at a question
        click.echo("", err=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
