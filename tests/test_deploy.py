"""The practice-server deployments: the one-server JupyterHub config and the Kubernetes
values name the same app, commands, service and group (workbook/hubfacts.py)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from traitlets.config import Config

from workbook import hubfacts as facts
from workbook import hubsetup

ROOT = Path(__file__).resolve().parent.parent
KUBE = ROOT / "deploy" / "kubernetes"


@pytest.fixture
def hub_config(tmp_path, monkeypatch) -> Config:
    """deploy/jupyterhub/jupyterhub_config.py, loaded as JupyterHub loads it."""
    monkeypatch.setenv("REJECTION_WORKBOOK_HUB_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("REJECTION_WORKBOOK_HUB_PORT", "18123")
    c = Config()
    runpy.run_path(str(hubsetup.CONFIG), init_globals={"get_config": lambda: c})
    return c


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load((KUBE / "values.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def exchange() -> dict:
    docs = [d for d in yaml.safe_load_all((KUBE / "exchange.yaml").read_text(encoding="utf-8")) if d]
    return {d["kind"]: d for d in docs}


def _service(c: Config) -> dict:
    return next(s for s in c.JupyterHub.services if s["name"] == facts.SERVICE_NAME)


def test_one_server_opens_the_app_for_each_person_and_runs_the_exchange(hub_config, tmp_path):
    c = hub_config
    assert c.JupyterHub.port == 18123 and c.JupyterHub.ip == "127.0.0.1"
    assert c.Spawner.default_url == facts.DEFAULT_URL == "/voila/render/app.ipynb"
    assert c.Spawner.cmd == facts.singleuser_command(sys.executable)
    service = _service(c)
    assert service["command"] == facts.service_command(sys.executable)
    assert service["environment"][facts.DB_ENV].startswith(str(tmp_path / "state"))
    assert (tmp_path / "state").stat().st_mode & 0o777 == 0o700  # the hub's state is its own
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert roles[facts.SERVICE_NAME]["scopes"] == list(facts.SERVICE_SCOPES)
    assert roles[facts.SERVICE_NAME]["services"] == [facts.SERVICE_NAME]
    reach = f"access:services!service={facts.SERVICE_NAME}"
    assert reach in c.JupyterHub.extra_user_scopes and reach in c.Spawner.server_token_scopes
    assert any("jupyterhub_idle_culler" in s.get("command", []) for s in c.JupyterHub.services)
    assert c.PAMAuthenticator.allowed_groups == {facts.PEOPLE_GROUP, facts.THERAPISTS_GROUP}


def test_kubernetes_values_parse_and_name_the_same_app_command_and_service(values, exchange, hub_config):
    single = values["singleuser"]
    assert single["defaultUrl"] == hub_config.Spawner.default_url
    assert single["cmd"] == facts.singleuser_command()
    assert single["image"] == {"name": facts.IMAGE_NAME, "tag": facts.IMAGE_TAG}
    assert single["storage"]["type"] == "dynamic"  # a volume per person
    assert values["cull"]["enabled"] is True
    assert set(values["hub"]["services"]) == {facts.SERVICE_NAME}
    roles = values["hub"]["loadRoles"]
    assert roles[facts.SERVICE_NAME]["scopes"] == list(facts.SERVICE_SCOPES)
    config = values["hub"]["config"]
    assert config["JupyterHub"]["extra_user_scopes"] == sorted(hub_config.JupyterHub.extra_user_scopes)
    assert config["Spawner"]["server_token_scopes"] == hub_config.Spawner.server_token_scopes
    assert f'"{facts.THERAPISTS_GROUP}"' in values["hub"]["extraConfig"]["therapists"]
    # each person's kernels load the charts when first needed, on both
    assert values["singleuser"]["extraEnv"][facts.CHARTS_ENV] == facts.CHARTS_LATER
    assert hub_config.Spawner.environment[facts.CHARTS_ENV] == facts.CHARTS_LATER


def _person(active: bool | None):
    """A stand-in for the handler JupyterHub gives `default_url`: no one logged in (None),
    or a person whose server runs or not."""
    user = (
        None if active is None else SimpleNamespace(url="/user/ana/", spawner=SimpleNamespace(active=active))
    )
    return SimpleNamespace(current_user=user)


def test_log_in_goes_straight_to_the_app_when_the_server_runs_on_both_deployments(values, hub_config):
    kube = Config()
    exec(values["hub"]["extraConfig"]["appAfterLogin"], {"c": kube})  # as Zero to JupyterHub runs it
    for after_login in (hub_config.JupyterHub.default_url, kube.JupyterHub.default_url):
        assert after_login(_person(True)) == "/user/ana" + facts.DEFAULT_URL
        # not running (or no one logged in): the hub's own way, which starts the server first
        assert after_login(_person(False)) == "" and after_login(_person(None)) == ""


def test_the_exchange_runs_as_its_own_deployment_with_a_volume(values, exchange):
    container = exchange["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == f"{facts.IMAGE_NAME}:{facts.IMAGE_TAG}"
    assert container["command"] == facts.service_command()
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["JUPYTERHUB_SERVICE_NAME"] == facts.SERVICE_NAME
    assert env[facts.DB_ENV].startswith(container["volumeMounts"][0]["mountPath"])
    claim = exchange["Deployment"]["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]
    assert claim["claimName"] == exchange["PersistentVolumeClaim"]["metadata"]["name"]
    port = exchange["Service"]["spec"]["ports"][0]["port"]
    assert port == facts.SERVICE_PORT
    assert values["hub"]["services"][facts.SERVICE_NAME]["url"].endswith(f":{port}")


def test_each_persons_server_uses_the_apps_template_and_keeps_sources_hidden(tmp_path):
    arguments = hubsetup.singleuser_arguments(tmp_path)
    assert f"--ServerApp.root_dir={tmp_path}" in arguments
    assert "--VoilaConfiguration.template=rejection-workbook" in arguments
    assert "--VoilaConfiguration.strip_sources=True" in arguments


def test_a_port_setting_that_is_not_a_port_is_refused_plainly():
    with pytest.raises(hubsetup.SetupError, match="port number"):
        hubsetup.Settings.from_environment({"REJECTION_WORKBOOK_HUB_PORT": "eighty"})
    settings = hubsetup.Settings.from_environment({facts.THERAPISTS_ENV: "ana, ben ,"})
    assert settings.therapists == ("ana", "ben")
    assert hubsetup.Settings.from_environment(settings.environment()) == settings
