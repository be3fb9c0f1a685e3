"""The rejection-workbook command: clear messages, safe server settings."""

from __future__ import annotations

import socket
import time

from click.testing import CliRunner

from workbook import __version__, cli

from .ports import free_ports
from .processes import serve_command


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_new_and_list(capsys, home):
    code, out, _ = run(capsys, "new", "After the interview", "--home", str(home.path))
    assert code == 0 and "Created the workbook 'After the interview'" in out
    code, out, _ = run(capsys, "list", "--home", str(home.path))
    assert code == 0 and "* After the interview  (after-the-interview" in out


def test_a_path_as_a_name_is_refused_with_a_message(capsys, home):
    code, _, err = run(capsys, "new", "../../etc/passwd", "--home", str(home.path))
    assert code == 2
    assert "just a name" in err and "Traceback" not in err


def test_an_unwritable_home_is_reported(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, _, err = run(capsys, "new", "x", "--home", str(blocker / "home"))
    assert code == 2 and "can't be written" in err


def test_a_busy_port_is_reported(capsys, home):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        code, _, err = run(capsys, "serve", "--no-browser", "--port", str(port), "--home", str(home.path))
    assert code == 2 and f"Port {port} is already in use" in err


def test_an_unknown_workbook_is_reported(capsys, home):
    code, _, err = run(capsys, "serve", "--no-browser", "--workbook", "nope", "--home", str(home.path))
    assert code == 2 and "no workbook called 'nope'" in err


def test_serve_is_the_default_command(monkeypatch):
    ran = []
    monkeypatch.setattr(cli, "cmd_serve", lambda args: ran.append(args.port) or 0)
    assert cli.main(["serve"]) == 0 and cli.main([]) == 0 and cli.main(["--port", "8123"]) == 0
    assert ran == [None, None, 8123]
    version = CliRunner().invoke(cli.app, ["--version"])
    assert version.exit_code == 0 and __version__ in version.output


def test_the_server_is_local_private_and_tidy(tmp_path):
    command = cli.voila_command(8123)
    assert "--Voila.ip=127.0.0.1" in command
    assert command[1:3] == ["-m", "workbook.server"]  # the token is never on the command line
    assert not any("token" in arg.lower() for arg in command)
    assert "--strip_sources=True" in command
    assert "--show_tracebacks=False" in command
    assert any(arg.startswith("--MappingKernelManager.cull_idle_timeout=") for arg in command)
    assert "--theme=dark" in cli.voila_command(8123, dark=True)
    env = cli.app_environment(tmp_path, crisis_line="Call 112", token="secret-token")
    assert env["REJECTION_WORKBOOK_TOKEN"] == "secret-token"
    assert env["REJECTION_WORKBOOK_HOME"] == str(tmp_path)
    assert env["REJECTION_WORKBOOK_CRISIS_LINE"] == "Call 112"
    assert env["JUPYTER_PATH"].split(":")[0].endswith("jupyter_data")


def test_free_port_is_free():
    port = cli.free_port()
    assert cli.check_port(port) == port


def test_serve_stops_its_server_when_it_is_stopped(tmp_path, started):
    import signal

    serve = started(serve_command(tmp_path))
    _url, port, _token = serve.url(timeout=60)
    serve.process.send_signal(signal.SIGTERM)  # to serve alone, not its group: serve stops Voilà
    assert serve.process.wait(timeout=20) == 0
    with socket.socket() as sock:  # the Voilà server it started is gone too
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_the_demo_has_a_home_of_its_own(capsys, home, monkeypatch):
    mine = home.create("After the interview")
    home.set_current(mine.path.stem)
    mine.close()
    monkeypatch.setattr(cli, "supervise", lambda process, started=None: process.kill() or 0)
    monkeypatch.setattr(cli, "voila_command", lambda *a, **k: ["sleep", "30"])
    monkeypatch.setattr(cli, "wait_for_server", lambda port, process: None)
    code, _out, _err = run(capsys, "serve", "--demo", "--no-browser", "--home", str(home.path))
    assert code == 0
    # the person's own workbooks and their choice are untouched; the demo is elsewhere
    assert [info.name for info in home.list()] == ["After the interview"]
    assert home.current() == "after-the-interview"
    demo = cli.Home(home.path / cli.DEMO_DIR)
    assert [info.name for info in demo.list()] == ["Demo — Sam"]


def _keys_used(module, function: str) -> set[str]:
    """The first arguments of every `function("key", ...)` call in `module`'s source."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(module))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == function
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def test_every_sentence_the_command_says_is_in_its_words_file():
    from workbook import content, exchange_cli

    words = content.text("cli")
    for module in (cli, exchange_cli):
        assert _keys_used(module, "say") <= set(words["say"]), module
        assert _keys_used(module, "problem") <= set(words["errors"]), module
        assert _keys_used(module, "helps") <= set(words["help"]), module
    assert _keys_used(cli, "say") and _keys_used(exchange_cli, "problem")  # really looked


def test_a_problem_is_one_sentence_through_click(home):
    result = CliRunner().invoke(cli.app, ["new", "../x", "--home", str(home.path)])
    assert result.exit_code == 2
    assert result.output.startswith("rejection-workbook: ") and "Traceback" not in result.output


def test_language_is_chosen_for_the_command_and_the_app(capsys, home, monkeypatch):
    from workbook import content

    monkeypatch.setenv(content.LANGUAGE_ENV, "")  # so the end of the test takes it away again
    assert cli.main(["new", "--language", "es", "a/b"]) == 2
    assert "El nombre de un cuaderno es solo un nombre" in capsys.readouterr().err
    assert cli.app_environment(home.path)[content.LANGUAGE_ENV] == "es"  # the app's kernels too
    monkeypatch.setenv(content.LANGUAGE_ENV, "")
    assert cli.main(["list", "--language", "klingon"]) == 2  # only the languages there are


# -- the kernels of vanished tabs (issue 20) and a stable address (issue 21) ------------------
def test_a_vanished_tabs_kernel_goes_within_three_minutes_and_an_open_tab_keeps_its_own(monkeypatch):
    from workbook import hubsetup

    monkeypatch.delenv(cli.CULL_ENV, raising=False)
    idle, interval = cli.cull_seconds()
    assert (idle, interval) == (120, 60) and idle + interval <= 180
    for command in (cli.voila_command(8123), hubsetup.singleuser_arguments(cli.notebooks_dir())):
        assert "--MappingKernelManager.cull_idle_timeout=120" in command
        assert "--MappingKernelManager.cull_interval=60" in command
        assert "--MappingKernelManager.cull_connected=False" in command  # a person reading keeps it
    monkeypatch.setenv(cli.CULL_ENV, "6,2")  # tests: one variable, read in one place
    assert "--MappingKernelManager.cull_idle_timeout=6" in hubsetup.singleuser_arguments(cli.notebooks_dir())
    assert "--MappingKernelManager.cull_interval=2" in cli.voila_command(8123)
    assert cli.cull_seconds({cli.CULL_ENV: "30"}) == (30, 30)
    for wrong in ("", "0", "-5", "soon", "1,2,3", "5,0"):
        assert cli.cull_seconds({cli.CULL_ENV: wrong}) == (120, 60), wrong


def test_the_standby_kernel_comes_back_twenty_seconds_after_a_page_took_it(monkeypatch):
    """The delay keeps a small machine's CPU for the page just opened; tests may shorten it."""
    from workbook import voila_settings

    monkeypatch.delenv(voila_settings.REFILL_ENV, raising=False)
    assert "--VoilaKernelManager.fill_delay=20" in cli.voila_command(8123)
    monkeypatch.setenv(voila_settings.REFILL_ENV, "2")
    assert "--VoilaKernelManager.fill_delay=2" in cli.voila_command(8123)
    assert voila_settings.refill_seconds({voila_settings.REFILL_ENV: "0"}) == 0
    for wrong in ("", "-5", "soon", "1.5"):
        assert voila_settings.refill_seconds({voila_settings.REFILL_ENV: wrong}) == 20, wrong


def test_one_kernel_waits_warm_unless_told_otherwise(monkeypatch):
    """One standby kernel for a person on their own machine; tests that open page after page
    may keep more warm (at most four)."""
    from workbook import voila_settings

    monkeypatch.delenv(voila_settings.STANDBY_ENV, raising=False)
    assert "--pool_size=1" in cli.voila_command(8123)
    monkeypatch.setenv(voila_settings.STANDBY_ENV, "2")
    assert "--pool_size=2" in cli.voila_command(8123)
    assert voila_settings.standby_kernels({voila_settings.STANDBY_ENV: "0"}) == 0
    for wrong in ("", "-1", "5", "many", "1.5"):
        assert voila_settings.standby_kernels({voila_settings.STANDBY_ENV: wrong}) == 1, wrong


def test_a_workbook_folder_keeps_its_token_in_a_file_only_its_owner_reads(tmp_path):
    import os
    import stat

    first = cli.read_address(tmp_path)
    assert first.port is None and len(first.token) >= 32
    first.port = 8123
    cli.keep_address(tmp_path, first)
    path = tmp_path / cli.ADDRESS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = cli.read_address(tmp_path)
    assert (again.port, again.token) == (8123, first.token)  # the same from run to run
    assert cli.read_address(tmp_path / "elsewhere").token != first.token  # one per folder
    # a file anyone else could read: its token may be known, so a new one (the port stays)
    os.chmod(path, 0o644)
    opened = cli.read_address(tmp_path)
    assert opened.port == 8123 and opened.token != first.token
    cli.keep_address(tmp_path, opened)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for damaged in ("", "{", '{"port": "x", "token": "short"}', "[1, 2]"):
        path.write_text(damaged)
        os.chmod(path, 0o600)
        kept = cli.read_address(tmp_path)
        assert kept.port is None and len(kept.token) >= 32


def test_the_port_is_the_same_from_run_to_run_and_a_taken_one_is_said_plainly(capsys, monkeypatch):
    usual = cli.free_port()
    monkeypatch.setattr(cli, "DEFAULT_PORT", usual)
    address = cli.Address(None, "t" * 32)
    assert cli.choose_port(address, None) == usual and address.port == usual  # the first time
    assert cli.choose_port(address, None) == usual  # and the next
    assert capsys.readouterr().out == ""
    with socket.socket() as sock:  # something else holds it (the app already open, say)
        sock.bind(("127.0.0.1", usual))
        sock.listen()
        other = cli.choose_port(address, None)
        assert other != usual and address.port == usual  # this time only
        out = capsys.readouterr().out
        assert f"Port {usual}, where this workbook usually opens, is in use" in out and f"port {other}" in out
        fresh = cli.Address(None, "t" * 32)  # a new folder whose first port is taken: another, kept
        assert cli.choose_port(fresh, None) == fresh.port != usual
        assert f"uses port {fresh.port} from now on" in capsys.readouterr().out
    chosen = cli.free_port()
    assert cli.choose_port(address, chosen) == chosen and address.port == chosen  # --port is kept


def test_serve_opens_at_the_same_address_after_a_restart(capsys, home, monkeypatch):
    monkeypatch.setattr(cli, "DEFAULT_PORT", cli.free_port())

    def supervise(process, started=None):
        started()
        process.kill()
        return 0

    monkeypatch.setattr(cli, "supervise", supervise)
    monkeypatch.setattr(cli, "voila_command", lambda *a, **k: ["sleep", "30"])
    monkeypatch.setattr(cli, "wait_for_server", lambda port, process: None)
    addresses = []
    for _run in range(2):
        code, out, _err = run(capsys, "serve", "--no-browser", "--home", str(home.path))
        assert code == 0
        addresses.append(next(line.strip() for line in out.splitlines() if "token=" in line))
    assert addresses[0] == addresses[1]
    assert addresses[0].startswith(f"http://127.0.0.1:{cli.DEFAULT_PORT}/voila/render/app.ipynb?token=")


# -- issue 21, item 14: `lab` as plain as `serve`, on the start notebook, the workbook in use ----
def test_lab_opens_the_workbook_in_use_not_the_last_one_made(home):
    with home.create("In use") as wb:
        in_use = wb.path.stem
    home.set_current(in_use)
    assert cli.workbook_in_use(home) == in_use
    with home.create("Made later") as wb:  # e.g. `new` or `start-from` in a terminal: current now
        home.set_current(wb.path.stem)
    assert cli.workbook_in_use(home) == "made-later"  # nothing written since: the choice holds
    time.sleep(0.02)
    with home.open(in_use) as wb:  # ...while the app, at ?workbook=in-use, goes on writing
        wb.put("quality", {"text": "patient"})
    assert cli.workbook_in_use(home) == in_use
    (home.path / "current").unlink()
    assert cli.workbook_in_use(home) == in_use  # no choice kept: the one written to last


def test_lab_is_quiet_keeps_the_persons_notebooks_and_opens_the_workbook_in_use_then_stops(tmp_path, started):
    """One JupyterLab for what `lab` promises: its own notebooks folder (the person's edits
    kept), no news prompt, no raw logs, the start notebook of the workbook in use, no token
    on a command line, and a clean stop on SIGTERM."""
    import json
    import re
    import signal
    import subprocess
    import sys
    from urllib.request import urlopen

    from workbook.store import Home

    home = Home(tmp_path / "home")
    edited = home.path / "notebooks" / "00_start.ipynb"
    edited.parent.mkdir(parents=True)
    edited.write_text('{"mine": true}')
    with home.create("After the interview") as wb:
        in_use = wb.path.stem
    with home.create("Another one") as wb:
        home.set_current(wb.path.stem)
    time.sleep(0.02)
    with home.open(in_use) as wb:
        wb.put("quality", {"text": "patient"})
    (port,) = free_ports(1)
    lab = started(
        [
            sys.executable,
            "-m",
            "workbook.cli",
            "lab",
            "--no-browser",
            "--port",
            str(port),
            "--home",
            str(home.path),
        ]
    )
    lab.said("Ctrl\\+C")
    said = lab.output()
    assert not re.search(r"\[(I|W|C) \d|ServerApp|jupyter_server|Jupyter Server", said), said  # no raw logs
    url, _port, token = lab.url()
    assert url.startswith(f"http://127.0.0.1:{port}/lab/tree/00_start.ipynb?token=")
    assert "'After the interview'" in said
    assert home.current() == in_use  # every notebook opened without a link writes to it
    # a folder of the person's own, filled from the shipped notebooks, their edit kept
    assert edited.read_text() == '{"mine": true}'
    assert (home.path / "notebooks" / "01_feel.ipynb").is_file()
    page = lab.wait_until(lambda: _read(url), timeout=60, what="answering")  # it prints a moment before
    config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert config["treePath"] == "00_start.ipynb"  # JupyterLab opens the start notebook itself
    # JupyterLab's news prompt is off: its plugin is disabled in the page JupyterLab serves
    assert "@jupyterlab/apputils-extension:announcements" in config["disabledExtensions"]
    with urlopen(f"http://127.0.0.1:{port}/?token={token}", timeout=30) as response:
        assert response.url.split("?")[0].endswith("/lab/tree/00_start.ipynb")  # not the Launcher
    listed = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert "jupyterlab" in listed and token not in listed  # no token on a command line `ps` shows
    lab.process.send_signal(signal.SIGTERM)
    assert lab.process.wait(timeout=30) == 0
    with socket.socket() as sock:  # JupyterLab itself is gone too
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def _read(url: str) -> str | None:
    """The page at `url` (our own server on 127.0.0.1), or None while it does not answer."""
    from urllib.request import urlopen

    try:
        with urlopen(url, timeout=30) as response:
            return response.read().decode()
    except OSError:
        return None
