"""The exchange run by a real JupyterHub (no browser, no system users): the hub's login decides.

The hub starts the service as a managed service behind configurable-http-proxy; people are
the hub's own (its test authenticator), with tokens scoped like a single-user server's token
($JUPYTERHUB_API_TOKEN in the app's kernel). The app's client verbs then run against it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.ports import free_ports
from workbook import exchange
from workbook.hub import client
from workbook.hub.client import HubError
from workbook.store import Home

ADMIN = "tests-admin-token-5b0c2e8d4f1a"
SERVER_TOKEN_SCOPES = [
    "users:activity!user",
    "access:servers!server",
    "access:services!service=rejection-exchange",
]

CONFIG = """
import sys
c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.db_url = "sqlite:///{dir}/hub.sqlite"
c.JupyterHub.cookie_secret_file = "{dir}/cookie_secret"
c.JupyterHub.services = [
    {{"name": "rejection-exchange", "url": "http://127.0.0.1:{service_port}",
      "command": [sys.executable, "-m", "workbook.hub.service"],
      "environment": {{"REJECTION_EXCHANGE_DB": "{dir}/exchange.sqlite"}}}},
    {{"name": "tests", "api_token": "{admin}"}},
]
c.JupyterHub.load_roles = [
    {{"name": "rejection-exchange", "scopes": ["read:users:groups", "read:users:name"],
      "services": ["rejection-exchange"]}},
    {{"name": "tests", "scopes": ["admin:users", "tokens"], "services": ["tests"]}},
]
c.JupyterHub.load_groups = {{"therapists": {{"users": ["tess"]}}}}
c.JupyterHub.extra_user_scopes = {{"access:services!service=rejection-exchange"}}
"""


def hub_api(base, method, path, body=None):
    request = urllib.request.Request(
        f"{base}hub/api/{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {ADMIN}"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


@pytest.fixture
def real_hub(tmp_path):
    if shutil.which("configurable-http-proxy") is None:
        pytest.fail("configurable-http-proxy is needed (npm install -g configurable-http-proxy)")
    port, hub_port, proxy_api_port, service_port = free_ports(4)
    config = tmp_path / "jupyterhub_config.py"
    config.write_text(
        CONFIG.format(
            port=port,
            hub_port=hub_port,
            proxy_api_port=proxy_api_port,
            service_port=service_port,
            dir=tmp_path,
            admin=ADMIN,
        )
    )
    with open(tmp_path / "hub.log", "wb") as log:
        hub = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its proxy and service are stopped with it
        )
        base = f"http://127.0.0.1:{port}/"
        try:
            for _ in range(300):
                try:
                    with urllib.request.urlopen(base + "services/rejection-exchange/api/health", timeout=2):
                        break
                except (OSError, urllib.error.HTTPError):
                    time.sleep(0.1)
            else:
                pytest.fail("the hub did not start: " + (tmp_path / "hub.log").read_text()[-2000:])
            hub_api(base, "POST", "users", {"usernames": ["tess", "ann", "ben"]})
            yield base, tmp_path
        finally:
            os.killpg(hub.pid, signal.SIGTERM)
            hub.wait(30)


@pytest.mark.hub
def test_the_hubs_login_and_groups_decide_and_the_verbs_work_through_it(real_hub, monkeypatch):
    base, tmp_path = real_hub

    def token(name, scopes=SERVER_TOKEN_SCOPES):
        return hub_api(base, "POST", f"users/{name}/tokens", {"scopes": scopes})["token"]

    tokens = {name: token(name) for name in ("tess", "ann", "ben")}
    monkeypatch.setenv("JUPYTERHUB_PUBLIC_URL", base)
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/someone/")
    monkeypatch.delenv(client.URL_ENV, raising=False)

    def as_(name, value=None):
        monkeypatch.setenv("JUPYTERHUB_API_TOKEN", value or tokens[name])
        monkeypatch.setenv("JUPYTERHUB_USER", name)

    as_("tess")
    assert client.on_hub()
    assert client.whoami() == {"name": "tess", "therapist": True}
    client.ensure_keys(home=tmp_path / "tess")
    practice = exchange.practice_home(Home(tmp_path / "tess"))
    code = client.invite(practice, name="Ann", stages=[1, 2])

    as_("ann")
    assert client.whoami() == {"name": "ann", "therapist": False}
    wb = client.join(Home(tmp_path / "ann"), code)
    wb.put("rejection", {"kind": "friend", "description": "Words only Ann and Tess may read"})
    client.send(wb, [1])

    as_("ben")  # another client: not linked, can't invite, can't use Ann's code
    with pytest.raises(HubError, match="already been used"):
        client.join(Home(tmp_path / "ben"), code)
    client.ensure_keys(home=tmp_path / "ben")
    with pytest.raises(HubError, match="Only a therapist"):
        client.invite(exchange.practice_home(Home(tmp_path / "ben")), name="X", stages=[1])
    ben_wb = Home(tmp_path / "ben").create("Ben")
    ben_wb.set_meta("hub", wb.meta("hub"))  # sending as Ann over her link
    with pytest.raises(HubError, match="aren't linked"):
        client.send(ben_wb, [1])

    as_("ann", token("ann", ["users:activity!user", "access:servers!server"]))
    with pytest.raises(HubError, match="doesn't give access"):
        client.whoami()
    as_("ann", "not-a-token")
    with pytest.raises(HubError, match="log in"):
        client.whoami()

    as_("tess")
    [result] = client.collect(practice)
    with practice.open(result.slug) as copy:
        assert [e["description"] for e in copy.entries("rejection")] == ["Words only Ann and Tess may read"]
        exchange.annotate(copy, 1, "Thank you for sharing this.")
        client.send_notes(copy)
    as_("ann")
    assert client.receive(wb)["added"] == 1
    for path in tmp_path.glob("exchange.sqlite*"):
        assert b"Words only Ann" not in path.read_bytes()
