"""The practice server's JupyterHub: `python -m workbook.hub.hubapp -f jupyterhub_config.py`.

JupyterHub as it is, less one fault and one wait:

- under `internal_ssl`, JupyterHub 6.1 checks that a managed service with an address is up
  using its own *server* TLS context, which can't make a client connection ("Cannot create a
  client socket with a PROTOCOL_TLS_SERVER context"), so the hub gives up on the exchange and
  stops. Here the check gets a client context of its own, made by JupyterHub from the same
  certificates (its default when none is passed);
- a stopping server is looked at every 0.1 s (`PracticeSpawner`), not after waits that
  double (0.1, 0.2, 0.4 … s): a server gone after 1.7 s was noticed at about 3.1 s, which
  held up every log-out and the hub's own stop.
"""

from __future__ import annotations

import asyncio
import time

from jupyterhub.app import JupyterHub
from jupyterhub.spawner import LocalProcessSpawner


class PracticeSpawner(LocalProcessSpawner):
    """The local spawner, noticing a stopped server within 0.1 s."""

    _clock = staticmethod(time.monotonic)  # a test's own clock may take their place
    _pause = staticmethod(asyncio.sleep)

    async def wait_for_death(self, timeout=10):
        deadline = self._clock() + timeout
        while await self.poll() is None:
            if self._clock() >= deadline:
                return False
            await self._pause(self.death_interval)
        return True


class PracticeHub(JupyterHub):
    async def start_service(self, service_name, service, ssl_context=None):
        return await super().start_service(service_name, service, None)


main = PracticeHub.launch_instance

if __name__ == "__main__":
    main()
