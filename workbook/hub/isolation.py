"""How the practice server on one machine keeps each person's server to that person.

Everyone's server runs on the same machine, as a Unix user of its own. What another person
could reach, and what shuts it:

- **Kernels.** jupyter_client's default transport is TCP on 127.0.0.1, and a kernel's output
  channel answers anyone who connects. Each person's kernels use the `ipc` transport instead
  (`KERNEL_TRANSPORT`): their sockets are files in that person's private runtime folder.
- **Ports.** Any local user can bind a port the moment its owner lets it go. JupyterHub's
  `internal_ssl` makes the hub, the proxy, people's servers and the exchange talk TLS with
  certificates from the hub's own CA; on top of it each person's server listens on a
  loopback address of its own (`own_address`, from their uid) and its certificate names that
  address only (`certificate_names`). Another person's program that takes a freed port has
  no certificate for that address, so the proxy and the hub refuse it before a cookie or a
  token is sent. The app checks the exchange's certificate the same way
  (`workbook.hub.client.exchange_tls`, against the CA given here as $REJECTION_EXCHANGE_CA).
- **Leftovers.** When a person's server stops (log-out, idle cull, a restart), every process
  of their uid is ended (`end_processes`): nothing they started keeps running to wait for a
  port.

`deploy/jupyterhub/jupyterhub_config.py` wires these in as the spawner's hooks.
"""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
import sys
from pathlib import Path

from . import facts

KERNEL_TRANSPORT = "ipc"
SERVICES_CA = "notebooks-ca"  # JupyterHub signs managed services' certificates with this CA


def own_address(uid: int) -> str:
    """A loopback address of this uid's own: 127.A.B.C, never 127.0.0.1 nor the broadcast
    127.255.255.255 (every 127/8 address is this machine's loopback on Linux)."""
    if uid < 0:
        raise ValueError("a uid is not negative")
    return f"127.{1 + (uid >> 16) % 254}.{(uid >> 8) & 255}.{uid & 255}"


def _uid(spawner) -> int:
    return pwd.getpwnam(spawner.user.name).pw_uid


def certificate_names(spawner) -> list[str]:
    """The names in a person's server certificate: their own address only (with
    `ssl_alt_names_include_local` off), so their certificate is good for no other port."""
    return [f"IP:{own_address(_uid(spawner))}"]


def services_authority(spawner) -> str:
    """The PEM of the CA that signed the exchange's certificate, from the hub's store."""
    location = Path(spawner.internal_certs_location)
    return (location / SERVICES_CA / f"{SERVICES_CA}.crt").read_text(encoding="ascii")


def prepare(spawner) -> None:
    """Before a person's server starts: their home is theirs alone (new homes are 0755),
    their server listens on their own address, and the app knows the exchange's CA."""
    entry = pwd.getpwnam(spawner.user.name)
    if os.path.isdir(entry.pw_dir):
        os.chmod(entry.pw_dir, 0o700)
    spawner.ip = own_address(entry.pw_uid)
    if spawner.internal_ssl:
        # a new dict: the configured one may be shared by every spawner
        spawner.environment = {**spawner.environment, facts.EXCHANGE_CA_ENV: services_authority(spawner)}


def end_processes(spawner) -> None:
    """After a person's server stops: end every process of their uid.

    `kill(-1, SIGKILL)` run *as that uid* reaches exactly the processes that uid owns (the
    kernel does the choosing, in one sweep, so a process can't fork its way out); the hub
    itself and other people are out of its reach. Never for root or the hub's own user."""
    uid = _uid(spawner)
    if uid == 0 or uid == os.getuid():
        return
    subprocess.run(
        [sys.executable, "-I", "-S", "-c", f"import os; os.kill(-1, {int(signal.SIGKILL)})"],
        user=uid,
        group=pwd.getpwuid(uid).pw_gid,
        extra_groups=[],
        env={},
        cwd="/",
        check=False,
        capture_output=True,
        timeout=30,
    )
