"""The practice server's JupyterHub: `python -m workbook.hub.hubapp -f jupyterhub_config.py`.

JupyterHub as it is, less one fault: under `internal_ssl`, JupyterHub 6.1 checks that a
managed service with an address is up using its own *server* TLS context, which can't make a
client connection ("Cannot create a client socket with a PROTOCOL_TLS_SERVER context"), so
the hub gives up on the exchange and stops. Here the check gets a client context of its own,
made by JupyterHub from the same certificates (its default when none is passed).
"""

from __future__ import annotations

from jupyterhub.app import JupyterHub


class PracticeHub(JupyterHub):
    async def start_service(self, service_name, service, ssl_context=None):
        return await super().start_service(service_name, service, None)


main = PracticeHub.launch_instance

if __name__ == "__main__":
    main()
