"""What differs between Linux, macOS and Windows, in one place: file modes, root, processes.

POSIX systems (Linux, macOS) keep a workbook's files owner-only by their mode bits. Windows
has no such bits (`os.fchmod` and `os.geteuid` are missing there, or mean something else):
files in a person's own folder are private by the folder's access lists, so there is nothing
to set. `os.kill(pid, 0)` asks "is it running?" on POSIX but *ends* the process on Windows,
so Windows asks the system instead.
"""

from __future__ import annotations

import os

POSIX = os.name == "posix"
OWNER_ONLY = 0o600


def owner_only(fd: int) -> None:
    """Make an open file readable and writable by its owner only, where modes exist."""
    fchmod = getattr(os, "fchmod", None)
    if POSIX and fchmod is not None:
        fchmod(fd, OWNER_ONLY)


def running_as_root() -> bool:
    """True for the POSIX superuser; Windows has no root (an administrator is not one)."""
    geteuid = getattr(os, "geteuid", None)
    return POSIX and geteuid is not None and geteuid() == 0


def process_running(pid: int) -> bool:
    """Whether a process with this id is running (anyone's)."""
    if not POSIX:
        return _windows_process_running(pid)
    try:
        os.kill(pid, 0)  # signal 0: nothing is sent, only checked
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    return True


def _windows_process_running(pid: int) -> bool:  # pragma: no cover - runs on Windows only
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # access denied: it exists, it is someone else's
    try:
        code = wintypes.DWORD()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
