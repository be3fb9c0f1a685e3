"""Voilà's warm kernel, taken by a page, counts as in use at once.

A preheated kernel stands by until a page takes it, minutes or hours later; the cull leaves
it alone while it stands by. Once taken, jupyter_server's culler judges it by its last
activity, which is still the time it was warmed: a cull pass between the page taking it and
the page's websocket connecting (about a second) ended it, and the page never came up. Seen
in tests/browser/test_vanished_tab.py with a 6 s idle limit; with the real limits it hit
about one first visit in fifty after a quiet spell. Both `serve` (workbook/server.py) and
each person's server on the hub (workbook/hub/singleuser.py) use this.
"""

from __future__ import annotations

from jupyter_server._tz import utcnow


def taken_is_active(manager_class: type) -> type:
    """`manager_class` (one of Voilà's preheating kernel managers), whose kernel a page takes
    has its last activity set to now."""

    class TakenIsActive(manager_class):
        async def get_rendered_notebook(self, notebook_name, *args, **kwargs):
            pool = self._pools.get(notebook_name) or []
            if pool and pool[0].done() and not pool[0].cancelled() and pool[0].exception() is None:
                kernel_id = pool[0].result()["kernel_id"]  # the one Voilà hands this page
                if kernel_id in self:
                    self.get_kernel(kernel_id).last_activity = utcnow()
            return await super().get_rendered_notebook(notebook_name, *args, **kwargs)

    TakenIsActive.__name__ = TakenIsActive.__qualname__ = f"TakenIsActive{manager_class.__name__}"
    return TakenIsActive
