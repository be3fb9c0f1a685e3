"""Writing saved after a pause in the typing, and never lost on the way out.

Long writing is saved a moment after the person stops typing (`Page.on_typing` waits
`TYPING_PAUSE` on the kernel's event loop). Saves still waiting when the kernel exits, or
when the app switches stage or workbook, are made at once by `flush_waiting_saves`.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import sys
from collections.abc import Callable

log = logging.getLogger("workbook")

TYPING_PAUSE = 1.5  # seconds of quiet before long writing is saved

# Saves waiting for a pause in the typing; made at once if the kernel exits first.
WAITING_SAVES: dict[int, Callable[[], None]] = {}


@atexit.register
def flush_waiting_saves() -> None:
    """Save, now, all writing still waiting for a pause in the typing (on the way out, or
    before the app switches stage or workbook)."""
    for flush in list(WAITING_SAVES.values()):
        try:
            flush()
        except Exception:  # the page may be gone; the save itself is what matters
            log.exception("saving writing on the way out")


def kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop when we are inside a Jupyter kernel, else None.

    Only a kernel's loop is sure to keep running after a callback returns; another
    library's loop (a test's browser driver, say) may never run it.
    """
    if "ipykernel" not in sys.modules:
        return None
    from ipykernel.kernelapp import IPKernelApp

    if not IPKernelApp.initialized():
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
