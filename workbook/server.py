"""Voilà, started the way the workbook needs it: `python -m workbook.server NOTEBOOKS [voila options]`.

Three things plain Voilà leaves open, closed here, and one it does too soon:

- The token comes from the environment ($REJECTION_WORKBOOK_TOKEN, removed from the
  environment once read, so kernels don't inherit it), never from the command line, which
  every user of the computer can read with `ps`. Without it the server doesn't start.
- Every request must name this computer in its Host header (127.0.0.1 or localhost, any
  port): a web page elsewhere that points its own name at 127.0.0.1 ("DNS rebinding")
  gets 403. Voilà standalone does not run jupyter_server's host check.
- A path with `..` in it (however it is encoded) gets 404 instead of a server error.
- A closed tab's kernel is shut down a few seconds after the tab asks, not at once: the
  last words typed are sent just before the tab asks, and the kernel must save them first.

It also gives the template the loading screen's words in every language (workbook/loading.py).
"""

from __future__ import annotations

import os
import sys
from urllib.parse import unquote

# isort: off
from . import leaner  # noqa: F401  (first: before Voilà imports jsonschema)

# isort: on
import tornado.web
from jupyter_core.utils import ensure_async
from tornado.ioloop import IOLoop
from voila.app import Voila
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler

from . import loading
from .paths import TOKEN_ENV

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
SHUTDOWN_GRACE = 3.0  # seconds a closing tab's kernel has to save what was sent last


def host_is_local(host: str) -> bool:
    """True for 'localhost', '127.0.0.1', with or without ':port' (any case)."""
    name, sep, port = host.strip().lower().partition(":")
    return name in LOCAL_HOSTS and (not sep or port.isdigit())


def climbs(path: str) -> bool:
    """True when `path`, decoded as often as it decodes, has a `..` part."""
    for _ in range(4):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    return any(part == ".." for part in path.replace("\\", "/").split("/"))


class GraceShutdownHandler(VoilaShutdownKernelHandler):
    """Voilà's shutdown on tab close, answered at once and carried out a moment later."""

    @tornado.web.authenticated
    async def post(self, kernel_id):
        manager = self.kernel_manager

        async def shut_down():
            if kernel_id in manager:  # not already gone (culled, or a second request)
                await ensure_async(manager.shutdown_kernel(kernel_id))

        IOLoop.current().call_later(SHUTDOWN_GRACE, shut_down)
        self.set_status(204)
        self.finish()


class WorkbookVoila(Voila):
    """Voilà with the token from the environment, a Host check and no 500 on `..`."""

    def initialize(self, argv=None):
        token = os.environ.pop(TOKEN_ENV, "")
        if not token:
            sys.exit(
                f"workbook.server: set ${TOKEN_ENV} to the token (it is never read from the command line)."
            )
        super().initialize(argv)
        self.token = token  # read by Voilà when it builds the app, in start()
        loading.add_to(self.voila_configuration)  # the loading screen's words, in every language

    def init_handlers(self):
        return [
            (pattern, GraceShutdownHandler, *rest)
            if handler is VoilaShutdownKernelHandler
            else (pattern, handler, *rest)
            for pattern, handler, *rest in super().init_handlers()
        ]

    def listen(self):
        # `start()` has built self.app; check each request before Voilà's routing sees it
        find = self.app.find_handler

        def checked(request, **kwargs):
            if not host_is_local(request.host or ""):
                return self.app.get_handler_delegate(request, tornado.web.ErrorHandler, {"status_code": 403})
            if climbs(request.path):
                return self.app.get_handler_delegate(request, tornado.web.ErrorHandler, {"status_code": 404})
            return find(request, **kwargs)

        self.app.find_handler = checked
        super().listen()


main = WorkbookVoila.launch_instance

if __name__ == "__main__":
    main()
