"""Voilà's warm kernels, as the app needs them.

1. **A warm kernel a page takes counts as in use at once.** A preheated kernel stands by
   until a page takes it, minutes or hours later; the cull leaves it alone while it stands
   by. Once taken, jupyter_server's culler judges it by its last activity, which is still
   the time it was warmed: a cull pass between the page taking it and the page's websocket
   connecting (about a second) ended it, and the page never came up. Seen in
   tests/browser/test_vanished_tab.py with a 6 s idle limit; with the real limits it hit
   about one first visit in fifty after a quiet spell.
2. **A page never waits out the delay before the next warm kernel starts.** Once a page
   has taken the warm kernel, Voilà queues the next one to start after its `fill_delay`
   (`serve`: voila_settings.REFILL_SECONDS, so that starting it does not slow the page just
   opened). The next page to come takes that queued kernel, delay and all: a reload or a
   second tab within 20 s of opening showed a blank screen for 14-21 s. A page that comes
   during the delay now ends it, and the kernel starts at once; a server that stops during
   it starts no kernel only to stop it (tests/test_server.py).

Both `serve` (workbook/server.py) and each person's server on the hub
(workbook/hub/singleuser.py) use this.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools

from jupyter_server._tz import utcnow


class Stopping(RuntimeError):
    """The server stopped while a warm kernel waited to start: it never starts."""


def preheated(manager_class: type) -> type:
    """`manager_class` (one of Voilà's preheating kernel managers) with both rules above."""

    class Preheated(manager_class):
        _next_delay = 0  # seconds the kernels fill_if_needed queues now wait before starting
        _stopping = False  # the server is stopping: no kernel starts any more

        def fill_if_needed(self, delay=None, notebook_name=None, **kwargs):
            # Voilà waits out the delay in each kernel it queues; ours wait it out in
            # _initialize below, where a page that comes can cut it short.
            self._next_delay = self.fill_delay if delay is None else delay
            super().fill_if_needed(0, notebook_name, **kwargs)

        def _initialize(self, notebook_name, kernel_id=None, **kwargs):
            start = functools.partial(super()._initialize, notebook_name, kernel_id, **kwargs)
            delay = self._next_delay if kernel_id is None else 0  # not a restart
            return self._when_due(notebook_name, delay, start)

        async def _when_due(self, notebook_name, delay, start):
            """Start the kernel after `delay` seconds, or as soon as a page asks for it."""
            asked = asyncio.Event()
            waiting = self._waiting_to_start(notebook_name)
            waiting.append(asked)  # in the pool's order: they start running as they are queued
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asked.wait(), delay)
            finally:
                waiting.remove(asked)
            if self._stopping:
                raise Stopping(notebook_name)  # Voilà's shutdown_all passes over it
            return await start()

        def _waiting_to_start(self, notebook_name) -> list[asyncio.Event]:
            if not hasattr(self, "_waiting"):
                self._waiting: dict[str, list[asyncio.Event]] = {}
            return self._waiting.setdefault(notebook_name, [])

        def _start_next(self, notebook_name) -> None:
            """Start the first kernel waiting for `notebook_name`: the one the page takes. The
            others keep their delay (two starting at once slow both on a small machine)."""
            waiting = self._waiting_to_start(notebook_name)
            if waiting:
                waiting[0].set()

        async def get_rendered_notebook(self, notebook_name, *args, **kwargs):
            pool = self._pools.get(notebook_name) or []
            if pool and pool[0].done() and not pool[0].cancelled() and pool[0].exception() is None:
                kernel_id = pool[0].result()["kernel_id"]  # the one Voilà hands this page
                if kernel_id in self:
                    self.get_kernel(kernel_id).last_activity = utcnow()
            else:  # still waiting to start: this page wants it now
                self._start_next(notebook_name)
            return await super().get_rendered_notebook(notebook_name, *args, **kwargs)

        async def shutdown_all(self, *args, **kwargs):
            self._stopping = True
            for waiting in getattr(self, "_waiting", {}).values():
                for asked in waiting:
                    asked.set()  # each ends at once, starting nothing
            return await super().shutdown_all(*args, **kwargs)

    Preheated.__name__ = Preheated.__qualname__ = f"Preheated{manager_class.__name__}"
    return Preheated
