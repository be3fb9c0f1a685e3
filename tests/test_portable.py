"""File modes, root and process checks work where the POSIX calls are missing (Windows).

A CI job can't run Windows here, so each test takes the calls away (or swaps the answer)
with monkeypatch and checks what the workbook does then, on whatever system runs the tests.
"""

from __future__ import annotations

import os
import stat

import pytest

from workbook import cli, export, portable, store


@pytest.fixture
def windows(monkeypatch):
    """This machine as Windows looks to the workbook: no fchmod, no geteuid, no POSIX."""
    monkeypatch.delattr(os, "fchmod", raising=False)
    monkeypatch.delattr(os, "geteuid", raising=False)
    monkeypatch.setattr(portable, "POSIX", False)


def test_a_private_export_is_written_without_fchmod(windows, tmp_path):
    path = export.write_private(tmp_path / "out.zip", b"zip bytes")
    assert path.read_bytes() == b"zip bytes"


def test_the_log_file_is_made_without_fchmod(windows, home):
    home.ensure()
    assert home.private_log().exists()


def test_nobody_is_root_without_geteuid(windows):
    assert portable.running_as_root() is False


def test_root_is_noticed_where_there_is_one(monkeypatch):
    monkeypatch.setattr(portable, "POSIX", True)
    monkeypatch.setattr(os, "geteuid", lambda: 0, raising=False)
    assert portable.running_as_root() is True
    monkeypatch.setattr(os, "geteuid", lambda: 1000, raising=False)
    assert portable.running_as_root() is False


def test_jupyterlab_is_told_allow_root_only_for_root(monkeypatch, home):
    started = []
    monkeypatch.setattr(cli, "supervise", lambda process, started=None: 0)
    monkeypatch.setattr(cli, "wait_for_server", lambda port, process: None)
    monkeypatch.setattr(cli.subprocess, "Popen", lambda command, env, **_: started.append(command))
    for root in (False, True):
        monkeypatch.setattr(portable, "running_as_root", lambda root=root: root)
        assert cli.main(["lab", "--no-browser"]) == 0
    assert ["--allow-root" in command for command in started] == [False, True]


def test_on_windows_a_process_is_never_signalled_to_see_if_it_runs(windows, monkeypatch):
    # os.kill(pid, 0) ends the process on Windows: the system is asked instead
    monkeypatch.setattr(os, "kill", lambda *a: pytest.fail("os.kill on Windows ends the process"))
    monkeypatch.setattr(portable, "_windows_process_running", lambda pid: pid == 4242)
    assert portable.process_running(4242) is True
    assert portable.process_running(4343) is False


def test_a_half_made_workbook_of_a_finished_process_is_swept(monkeypatch, home):
    home.ensure()
    left = home.path / f".old.4242.abcd1234{store.STAGING}"
    left.write_bytes(b"")
    monkeypatch.setattr(portable, "process_running", lambda pid: False)
    home.create("Fresh").close()
    assert not left.exists()


@pytest.mark.skipif(os.name != "posix", reason="modes exist on POSIX only")
def test_on_posix_the_export_is_owner_only(tmp_path):
    path = export.write_private(tmp_path / "out.zip", b"zip bytes")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
