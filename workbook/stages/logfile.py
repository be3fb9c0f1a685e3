"""Errors go to a log file in the person's home (never to the page as a traceback)."""

from __future__ import annotations

import logging

from ..store import Home, WorkbookError

log = logging.getLogger("workbook")


def setup_log(home: Home) -> None:
    """Send errors to the log file in `home` (one file handler, moved if the home changes)."""
    target = str(home.log_path.absolute())
    for handler in list(log.handlers):
        if getattr(handler, "baseFilename", None) == target:
            return
        if getattr(handler, "_workbook_log", False):
            log.removeHandler(handler)
            handler.close()
    try:
        home.ensure()
        home.private_log()  # 0600 like every other file here, not the umask's 0644
        handler = logging.FileHandler(target, encoding="utf-8", delay=True)
    except (OSError, WorkbookError):
        return
    handler._workbook_log = True
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
