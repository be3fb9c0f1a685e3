"""The rejection-workbook command: clear messages, safe server settings."""

from __future__ import annotations

import socket
import time

from click.testing import CliRunner

from workbook import __version__, cli


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


def test_serve_stops_its_server_when_it_is_stopped(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    process = subprocess.Popen(
        [sys.executable, "-m", "workbook.cli", "serve", "--no-browser", "--home", str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = ""
        deadline = time.monotonic() + 60
        while "127.0.0.1" not in line and time.monotonic() < deadline:
            line = process.stdout.readline()
        port = int(line.split("127.0.0.1:")[1].split("/")[0])
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        with socket.socket() as sock:  # the Voilà server it started is gone too
            assert sock.connect_ex(("127.0.0.1", port)) != 0
    finally:
        if process.poll() is None:
            process.kill()


def _wait_for_url(process) -> str:
    """The address (with its token) a `rejection-workbook` command's server prints."""
    import re
    import time

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+/\S*token=[\w-]+", line)
        if found:
            return found.group(0)
        if not line and process.poll() is not None:
            break
    raise AssertionError("the server did not say where it is")


def test_the_demo_has_a_home_of_its_own(capsys, home, monkeypatch):
    mine = home.create("After the interview")
    home.set_current(mine.path.stem)
    mine.close()
    monkeypatch.setattr(cli, "supervise", lambda process, started=None: process.kill() or 0)
    monkeypatch.setattr(cli, "voila_command", lambda *a, **k: ["sleep", "30"])
    code, _out, _err = run(capsys, "serve", "--demo", "--no-browser", "--home", str(home.path))
    assert code == 0
    # the person's own workbooks and their choice are untouched; the demo is elsewhere
    assert [info.name for info in home.list()] == ["After the interview"]
    assert home.current() == "after-the-interview"
    demo = cli.Home(home.path / cli.DEMO_DIR)
    assert [info.name for info in demo.list()] == ["Demo — Sam"]


def test_lab_opens_the_persons_own_notebooks_without_news_and_stops_when_killed(tmp_path):
    import contextlib
    import json
    import os
    import re
    import signal
    import subprocess
    import sys

    home = tmp_path / "home"
    edited = home / "notebooks" / "00_start.ipynb"
    edited.parent.mkdir(parents=True)
    edited.write_text('{"mine": true}')
    port = cli.free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbook.cli",
            "lab",
            "--no-browser",
            "--port",
            str(port),
            "--home",
            str(home),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # so that whatever is left can be found and stopped below
    )
    try:
        url = _wait_for_url(process)
        assert f"127.0.0.1:{port}/" in url
        # a folder of the person's own, filled from the shipped notebooks, their edit kept
        assert edited.read_text() == '{"mine": true}'
        assert (home / "notebooks" / "01_feel.ipynb").is_file()
        # JupyterLab's news prompt is off: its plugin is disabled in the page JupyterLab serves
        from urllib.request import urlopen

        deadline = time.monotonic() + 60  # it prints its address a moment before it answers
        while True:
            try:
                with urlopen(url, timeout=30) as response:  # our own server on 127.0.0.1
                    page = response.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1))
        assert "@jupyterlab/apputils-extension:announcements" in config["disabledExtensions"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        with socket.socket() as sock:  # JupyterLab itself is gone too
            assert sock.connect_ex(("127.0.0.1", port)) != 0
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # never leave a JupyterLab behind


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
