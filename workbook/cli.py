"""The `rejection-workbook` command: serve the app, open JupyterLab, manage workbooks.

The servers it starts (their command lines, environment, ports, waiting and stopping) are in
workbook/launch.py, Voilà's settings in workbook/voila_settings.py, the therapist exchange's
commands in workbook/exchange_cli.py; here, each command and its options.
"""

from __future__ import annotations

import datetime as dt
import secrets
import subprocess
import sys
import webbrowser

import click

from . import __version__, exchange_cli, lock_cli, remind_cli
from .address import ADDRESS_FILE, DEFAULT_PORT, Address, keep_address, read_address
from .clikit import PROG, find_workbook, helps, home_option, problem, runs, say, words
from .launch import (
    LAB_CONFIG,
    ServerExited,
    app_environment,
    check_port,
    free_port,
    lab_command,
    lab_notebooks,
    lab_url,
    port_is_free,
    start_url,
    supervise,
    voila_command,
    wait_for_server,
    with_lab_config,
)
from .paths import notebooks_dir
from .store import Home
from .text import labels
from .voila_settings import (
    CULL_ENV,
    CULL_INTERVAL_SECONDS,
    IDLE_KERNEL_SECONDS,
    REFILL_SECONDS,
    TEMPLATE,
    cull_seconds,
)

__all__ = [  # besides the commands: names tests and benchmarks import from here
    "ADDRESS_FILE",
    "Address",
    "keep_address",
    "read_address",
    "CULL_ENV",
    "CULL_INTERVAL_SECONDS",
    "IDLE_KERNEL_SECONDS",
    "LAB_CONFIG",
    "REFILL_SECONDS",
    "TEMPLATE",
    "app_environment",
    "check_port",
    "cull_seconds",
    "free_port",
    "lab_notebooks",
    "main",
    "notebooks_dir",
    "voila_command",
    "wait_for_server",
]

STARTS = 3  # tries before giving up: the folder's own port, then new free ones
DEMO_DIR = "demo"  # the demo's own home, inside the person's


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


def _home(args) -> Home:
    home = Home(args.home)
    home.ensure()
    return home


def _resolve_workbook(home: Home, name: str | None) -> str | None:
    if not name:
        return None
    found = find_workbook(home, name, opening=False)
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


def cmd_lab(args) -> int:
    home = _home(args)
    slug = _resolve_workbook(home, args.workbook) or workbook_in_use(home)
    if slug is not None:
        home.set_current(slug)  # every notebook opened without a link writes to it
    env = with_lab_config(app_environment(home.path, crisis_line=args.crisis_line))
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
    found = find_workbook(home, args.name)
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
lock_cli.add_commands(app)
remind_cli.add_command(app)


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
