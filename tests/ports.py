"""Free ports on 127.0.0.1 for servers the tests start.

Not the kernel's kind of port: a kernel (and JupyterHub, for a person's server) takes its ports
by binding port 0, which the system hands out from its ephemeral range. A port we took the same
way and let go of could be handed to another worker's kernel in the seconds before our server
binds it: seen in CI, a hub's page answered with ZeroMQ's greeting. So ours come from outside that
range, where the system hands out nothing by itself, a block of its own for each xdist worker.
"""

from __future__ import annotations

import os
import random
import socket
from pathlib import Path

_BLOCK = 1500  # ports per worker


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def _worker_number() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")  # "gw0", "gw1", … (none: one process)
    return int(worker[2:]) if worker[2:].isdigit() else 0


def _block() -> range:
    """This worker's ports: below the ephemeral range (from 10000 up, clear of well-known
    ports), or above it where a system starts that range low."""
    low, high = _ephemeral_range()
    before = _BLOCK * (1 + _worker_number())
    if low - before >= 10000:
        return range(low - before, low - before + _BLOCK)
    if high + before <= 65535:
        return range(high + before - _BLOCK + 1, high + before + 1)
    raise RuntimeError(f"no room for test ports outside the ephemeral range {low}-{high}")


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(n: int) -> list[int]:
    """`n` different ports of this worker's block that nothing is bound to now."""
    block = _block()
    first = random.randrange(len(block))  # a worker's servers from earlier tests may still run
    ports = []
    for offset in range(len(block)):
        port = block[(first + offset) % len(block)]
        if _bindable(port):
            ports.append(port)
            if len(ports) == n:
                return ports
    raise RuntimeError(f"no {n} free ports in {block}")
