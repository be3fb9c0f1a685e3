"""Writing a small file whole or not at all: the one way the workbook does it.

The current-workbook marker (`store.Home.set_current`), the hub key file
(`hub.crypto.save_key`) and a file handed over (`exchange.save_file`) are each written here:
into a hidden file beside the target, created owner-only, flushed to the disk, then put in
place in one step. A reader sees the old file or the new one, never half of one, and after
a crash or a full disk nothing half-written is left behind.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from . import portable


def atomic_write(
    path: str | os.PathLike, data: bytes | str, *, mode: int = portable.OWNER_ONLY, replace: bool = True
) -> Path:
    """Write `data` (text is written as UTF-8) to `path` whole or not at all; returns the path.

    The file is created with `mode` (owner-only unless asked otherwise; on Windows the folder's
    access lists decide). With `replace=False` a file already at `path` (even one that appeared
    while this one was written) is never replaced: FileExistsError, and nothing changes.
    OSError (a missing folder, a full disk) leaves nothing behind.
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    try:
        try:
            if mode == portable.OWNER_ONLY:
                portable.owner_only(fd)  # whatever the umask made of `mode`
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # refuses to replace a file that appeared meanwhile
    finally:
        tmp.unlink(missing_ok=True)
    return path
