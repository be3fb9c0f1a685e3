"""The rejection-workbook command: clear messages, safe server settings."""

from __future__ import annotations

import socket

import pytest

from workbook import cli


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


def test_serve_is_the_default_command():
    parser = cli.build_parser()
    assert parser.parse_args(["serve"]).func is cli.cmd_serve
    with pytest.raises(SystemExit):
        cli.main(["--version"])


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
