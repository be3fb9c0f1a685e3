"""On the practice server, a tab that vanishes without its close handlers (a phone that
sleeps, a browser that crashes) gives its kernel back within 3 minutes, and the person's
warm kernel is there again for their next log-in (issue 20).

One hub, one person, two log-ins. The real cull times (120 s idle, checked every 60 s) fit
in 3 minutes; the person's server here gets short ones ($REJECTION_WORKBOOK_CULL, through
the hub's config for people's servers: a config of the test's own that loads the shipped
one), and the test checks that their server runs with them, so it need not wait 3 minutes.
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from workbook.cli import CULL_ENV, CULL_INTERVAL_SECONDS, IDLE_KERNEL_SECONDS, REFILL_SECONDS

from .hubkit import _command, _get, log_in, running_hub
from .test_vanished_tab import crashable_chromium

# a real hub with real Unix users; one xdist worker runs every such test in turn, as they share
# the hub's Unix groups (made and removed around each hub)
pytestmark = [pytest.mark.browser, pytest.mark.hub, pytest.mark.xdist_group("hub")]

LIMIT = 180  # seconds: "within 3 minutes", with the real cull times
IDLE, INTERVAL = 10, 2  # seconds, for this test's hub's people's servers


@pytest.fixture(scope="module")
def hub(shared_python, people):
    """This module's hub: people's servers cull a vanished tab's kernel after IDLE seconds."""
    with running_hub(shared_python, people, spawner_environment={CULL_ENV: f"{IDLE},{INTERVAL}"}) as running:
        yield running


def _server_command(person) -> str:
    """The command line of the person's Jupyter server (the process the hub started as them)."""
    import subprocess

    found = subprocess.run(["pgrep", "-u", person.name], capture_output=True, text=True).stdout.split()
    commands = [_command(pid).replace("\0", " ") for pid in found]
    servers = [command for command in commands if "cull_idle_timeout" in command]
    assert len(servers) == 1, commands
    return servers[0]


def _kernels(hub, person, token) -> dict[str, dict]:
    status, body = _get(f"{hub.base}/user/{person.name}/api/kernels", token=token)
    assert status == 200, (status, body[:300])
    return {kernel["id"]: kernel for kernel in json.loads(body)}


def _kernel_id(tab) -> str:
    return tab.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")


def test_a_vanished_tabs_kernel_goes_within_3_minutes_and_the_next_log_in_finds_a_warm_one(
    browser, hub, people
):
    assert IDLE_KERNEL_SECONDS + CULL_INTERVAL_SECONDS <= LIMIT  # the real times fit 3 minutes
    person = people[1]
    with crashable_chromium(browser.browser_type) as (chromium, cdp):
        start = time.monotonic()
        tab = log_in(cdp, hub, person)  # the server starts, its kernel warms, the app is drawn
        first_login = time.monotonic() - start
        tab.context.route("**/api/shutdown/**", lambda route: route.abort())
        crashed = _kernel_id(tab)
        token = hub.token(person, (f"access:servers!user={person.name}",))  # once they are known
        # the hub gave the person's server this test's cull times, by the same flags as the real ones
        server = _server_command(person)
        assert f"--MappingKernelManager.cull_idle_timeout={IDLE} " in server + " "
        assert f"--MappingKernelManager.cull_interval={INTERVAL} " in server + " "
        assert set(_kernels(hub, person, token)) == {crashed}  # one kernel: the page's
        os.killpg(chromium.pid, signal.SIGKILL)  # the browser vanishes: no close handler runs
        chromium.wait()
        killed = time.monotonic()

    lived = warm = None
    # the warm kernel: Voilà starts it REFILL_SECONDS after the page took the last one, and on a
    # busy machine the kernel's own start adds some seconds
    while time.monotonic() - killed < IDLE + INTERVAL + REFILL_SECONDS + 60:
        kernels = _kernels(hub, person, token)
        now = time.monotonic() - killed
        if lived is None and crashed not in kernels:
            lived = now
        if lived is not None and kernels:
            warm = next(iter(kernels))
            if kernels[warm]["execution_state"] == "idle":
                break
        time.sleep(0.5)
    print(
        f"\nfirst log-in {first_login:.1f} s; the vanished tab's kernel lived {lived} s (cull: {IDLE} s idle)"
    )
    assert lived is not None, "the vanished tab's kernel still runs"
    assert lived <= IDLE + INTERVAL + 10
    assert warm is not None and warm != crashed, "no warm kernel waits for the next log-in"
    assert len(kernels) == 1  # one at a time: the person's only kernel is the warm one

    start = time.monotonic()
    tab = log_in(browser, hub, person)  # the next log-in: the app from the warm kernel
    print(f"the next log-in drew the app in {time.monotonic() - start:.1f} s")
    try:
        assert _kernel_id(tab) == warm
    finally:
        tab.context.close()
