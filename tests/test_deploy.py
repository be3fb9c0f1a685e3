"""The practice-server deployments: the one-server JupyterHub config and the Kubernetes
values name the same app, commands, service and group (workbook/hubfacts.py)."""

from __future__ import annotations

import contextlib
import grp
import os
import runpy
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from traitlets.config import Config

from tests.ports import free_ports
from workbook import hubfacts as facts
from workbook import hubsetup, voila_settings

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
    assert f"--VoilaConfiguration.template={voila_settings.template()}" in arguments
    assert "--VoilaConfiguration.strip_sources=True" in arguments


def test_a_port_setting_that_is_not_a_port_is_refused_plainly():
    with pytest.raises(hubsetup.SetupError, match="port number"):
        hubsetup.Settings.from_environment({"REJECTION_WORKBOOK_HUB_PORT": "eighty"})
    settings = hubsetup.Settings.from_environment(
        {facts.THERAPISTS_ENV: "ana, ben ,", "REJECTION_WORKBOOK_PUBLIC_URL": " https://practice.example/ "}
    )
    assert settings.therapists == ("ana", "ben")
    assert settings.public_url == "https://practice.example/"
    assert hubsetup.Settings.from_environment(settings.environment()) == settings


# -- the one-server hub started in the background: it stops on SIGTERM within 5 s -----------
def _descendants(pid: int) -> dict[str, str]:
    """Every process under `pid`, by PID, with its command line (to tell a reused PID)."""
    found, waiting = {}, [str(pid)]
    while waiting:
        children = subprocess.run(
            ["pgrep", "-P", waiting.pop()], capture_output=True, text=True
        ).stdout.split()
        found.update({child: _command(child) for child in children})
        waiting += children
    return found


def _command(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")  # "" for a zombie
    except OSError:
        return ""


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


@contextlib.contextmanager
def _groups_made_here():
    """The hub's Unix groups that `start` makes are removed again on the way out."""
    before = {g.gr_name for g in grp.getgrall()}
    try:
        yield
    finally:
        for name in (facts.PEOPLE_GROUP, facts.THERAPISTS_GROUP):
            if name not in before:
                subprocess.run(["groupdel", name], check=False, capture_output=True)


def _ignore_sigint() -> None:  # what a shell without job control does for `command &`
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.hub
@pytest.mark.xdist_group("hub")  # makes and removes the hub's Unix groups, as the practice-server tests do
@pytest.mark.skipif(os.geteuid() != 0, reason="the hub runs as root (it starts each person's server)")
@pytest.mark.skipif(not shutil.which(hubsetup.PROXY), reason="configurable-http-proxy is not installed")
def test_a_hub_started_in_the_background_stops_with_all_its_processes_in_seconds_not_half_a_minute(tmp_path):
    stopped = _stop_time(tmp_path)
    print(f"\nhub stop time after SIGTERM (started with SIGINT ignored): {stopped:.2f} s")
    # the fault was 30-36 s (a proxy waiting out its own timeout); fixed, 1-5 s on a quiet
    # machine, ~6 s at load 8: the bound tells the two apart without timing the machine
    # (the stop time itself is a benchmark's: benchmarks/README.md)
    assert stopped <= 15


def _stop_time(
    tmp_path: Path,
    *options: str,
    command: tuple[str, ...] = (),
    then: Callable[[str], list[str]] | None = None,
) -> float:
    """Seconds from SIGTERM to `hubsetup start` (started as `... &` in a script: SIGINT
    ignored) until it and every process under it (proxy, exchange, culler) are gone.
    benchmarks/hub_stop.py also uses `command` (in place of `python -m workbook.hubsetup`)
    and `then` (called with the hub's address once it runs; the PIDs it returns, a person's
    processes, are waited for too)."""
    port, hub_port, proxy_port, service_port = free_ports(4)
    settings = hubsetup.Settings(
        port=port,
        hub_port=hub_port,
        proxy_api_port=proxy_port,
        service_port=service_port,
        state=tmp_path / "state",
    )
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "hub.log"
    with _groups_made_here(), open(log, "ab") as out:
        process = subprocess.Popen(
            [*(command or (sys.executable, "-m", "workbook.hubsetup")), "start", *options],
            env=dict(os.environ, **settings.environment()),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_ignore_sigint,
            start_new_session=True,  # our own process group, for the clean-up below
            cwd=tmp_path,
        )
        running: dict[str, str] = {}
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                assert process.poll() is None, log.read_text(errors="replace")[-3000:]
                running = _descendants(process.pid)
                # the culler up and asking the hub who is idle (over the hub's internal TLS)
                culler = "(idle-culler@127.0.0.1)" in log.read_text(errors="replace")
                exchange = _status(f"{base}/services/{facts.SERVICE_NAME}/api/health") == 200
                if culler and exchange and _status(f"{base}/hub/api/") == 200:
                    break
                time.sleep(0.5)
            else:
                raise AssertionError("the hub did not start:\n" + log.read_text(errors="replace")[-3000:])
            extra = then(base) if then else []
            time.sleep(2)  # as a hub that has run a while
            assert "exited with status" not in log.read_text(errors="replace"), log.read_text()[-3000:]
            running = {**_descendants(process.pid), **{pid: _command(pid) for pid in extra}}
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            left, gone = dict(running), {}  # when each one went, for a slow stop's message
            while time.monotonic() - started < 60 and (process.poll() is None or left):
                now = round(time.monotonic() - started, 2)
                if process.poll() is not None:
                    gone.setdefault("hubsetup start", now)
                for pid, command in list(left.items()):
                    if not (command and _command(pid) == command):
                        gone[command.replace("\0", " ")[:80]] = now
                        del left[pid]
                time.sleep(0.05)
            stopped = time.monotonic() - started
            assert process.poll() is not None and not left, (left, log.read_text(errors="replace")[-3000:])
            print(f"\nseconds after SIGTERM until gone: {gone}")
            return stopped
        finally:
            for pid, command in {**running, str(process.pid): _command(str(process.pid))}.items():
                if command and _command(pid) == command:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(int(pid), signal.SIGKILL)
            process.wait()


# -- setup.sh: an environment every user can run, the hub's config root's alone ---------------
SETUP = ROOT / "deploy" / "jupyterhub" / "setup.sh"
SYSTEM_PYTHON = Path("/usr/bin/python3")
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="runs a Python as the user nobody (runuser)")
with_system_python = pytest.mark.skipif(
    not SYSTEM_PYTHON.exists() or subprocess.run([SYSTEM_PYTHON, "-c", "import venv, ensurepip"]).returncode,
    reason="no system python3 with venv",
)


def _setup(call: str, **env: str) -> subprocess.CompletedProcess:
    """`call` run in bash with setup.sh's functions defined (sourced: nothing installed)."""
    return subprocess.run(
        ["bash", "-c", f'source "$1" && {call}', "bash", str(SETUP)],
        env=dict(os.environ, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _folder(mode: int) -> Path:
    """A folder under /tmp that the user nobody can reach (or not), removed by the caller."""
    folder = Path(tempfile.mkdtemp(prefix="rw-setup-"))
    folder.chmod(mode)
    return folder


def test_setup_sh_parses_and_installs_the_hub_beside_its_environment():
    assert subprocess.run(["bash", "-n", str(SETUP)], capture_output=True).returncode == 0
    text = SETUP.read_text(encoding="utf-8")
    assert 'install -o root -g root -m 0644 "$shipped" "$PREFIX/etc/jupyterhub_config.py"' in text
    assert '-m workbook.hubsetup start --config "$PREFIX/etc/jupyterhub_config.py"' in text
    assert "cd / " in text  # the hub starts from no checkout
    # the hub finds that config by itself, and runs isolated from the folder it starts in
    assert Path(sys.prefix) / "etc" / "jupyterhub_config.py" == hubsetup.INSTALLED_CONFIG
    assert hubsetup.hub_command(Path("/x/c.py"))[1:2] == ["-I"]


@as_root
@with_system_python
def test_setup_sh_tells_a_python_every_user_can_run_from_one_under_a_private_folder():
    private, shared = _folder(0o700), _folder(0o755)
    try:
        # the pyenv-under-/root case: a Python inside a 0700 folder, reached through a link
        shutil.copy2(os.path.realpath(SYSTEM_PYTHON), private / "python3")
        (shared / "python3").symlink_to(private / "python3")
        (shared / "system-python3").symlink_to(SYSTEM_PYTHON)
        (private / "system-python3").symlink_to(SYSTEM_PYTHON)
        for python, runs in [
            (shared / "python3", False),  # the real file sits in the private folder
            (private / "system-python3", False),  # the link sits in it
            (shared / "system-python3", True),
        ]:
            for function in ("open_to_everyone", "every_user_can_run"):
                done = _setup(f'{function} "{python}"')
                assert (done.returncode == 0) is runs, (function, python, done.stderr)
        private.chmod(0o755)  # the folder, not the Python, decided
        assert _setup(f'every_user_can_run "{shared / "python3"}"').returncode == 0
        assert _setup("system_python").stdout.strip()  # this machine has one
    finally:
        shutil.rmtree(private, ignore_errors=True)
        shutil.rmtree(shared, ignore_errors=True)


@as_root
@with_system_python
@pytest.mark.hub  # makes two real environments with pip, and runs a Python as the user nobody
def test_setup_sh_remakes_an_environment_other_users_cannot_run():
    private, opt = _folder(0o700), _folder(0o755)
    prefix = opt / "rejection-workbook"
    try:
        shutil.copy2(os.path.realpath(SYSTEM_PYTHON), private / "python3")
        # as the issue found it: the environment a venv of a Python only root can reach ...
        subprocess.run([private / "python3", "-m", "venv", "--without-pip", prefix], check=True)
        assert _setup(f'every_user_can_run "{prefix}/bin/python"').returncode == 1
        done = _setup(f'make_environment "{SYSTEM_PYTHON}"', REJECTION_WORKBOOK_PREFIX=str(prefix))
        assert done.returncode == 0, done.stderr
        assert "making it again" in done.stdout
        assert _setup(f'every_user_can_run "{prefix}/bin/python" "import pip"').returncode == 0
        # ... or a link to such a folder: the link goes, not what it points to
        shutil.rmtree(prefix)
        prefix.symlink_to(private)
        done = _setup(f'make_environment "{SYSTEM_PYTHON}"', REJECTION_WORKBOOK_PREFIX=str(prefix))
        assert done.returncode == 0, done.stderr
        assert not prefix.is_symlink() and (private / "python3").exists()
        assert _setup(f'every_user_can_run "{prefix}/bin/python"').returncode == 0
    finally:
        shutil.rmtree(private, ignore_errors=True)
        shutil.rmtree(opt, ignore_errors=True)


def test_setup_sh_stops_with_one_plain_sentence_when_not_root():
    if os.geteuid() == 0:
        done = subprocess.run(
            ["runuser", "-u", "nobody", "--", "bash", str(SETUP)], capture_output=True, text=True, cwd="/"
        )
    else:
        done = subprocess.run(["bash", str(SETUP)], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "rejection-workbook setup: Run this as root: the hub starts each person's server as that person."
    )


def test_the_hub_refuses_a_config_someone_other_than_root_could_change(tmp_path):
    config = tmp_path / "jupyterhub_config.py"
    config.write_text("c = get_config()\n")
    config.chmod(0o664)
    with pytest.raises(hubsetup.SetupError, match="someone other than root"):
        hubsetup._check_config(config)
    config.chmod(0o644)
    if os.geteuid() == 0:
        tmp_path.chmod(0o700)
        hubsetup._check_config(config)  # root's, and only root's


# -- Kubernetes: a person's pod reaches the hub, the proxy and the exchange only; internal TLS --
Z2JH = ROOT.parent / "shared" / "z2jh"


def _merged(defaults, ours):
    """`ours` over the chart's defaults, as Helm merges values (maps deep, the rest replaced)."""
    if isinstance(defaults, dict) and isinstance(ours, dict):
        return {
            k: _merged(defaults.get(k), ours[k]) if k in ours else defaults[k] for k in {*defaults, *ours}
        }
    return ours


def _without_descriptions(schema):
    if isinstance(schema, dict):
        return {k: _without_descriptions(v) for k, v in schema.items() if k != "description"}
    if isinstance(schema, list):
        return [_without_descriptions(v) for v in schema]
    return schema


@pytest.mark.skipif(
    not (Z2JH / "values.schema.yaml").exists(), reason="Zero to JupyterHub's schema is not here"
)
def test_kubernetes_values_validate_against_zero_to_jupyterhubs_schema(values):
    jsonschema = pytest.importorskip("jsonschema")
    schema = _without_descriptions(yaml.safe_load((Z2JH / "values.schema.yaml").read_text(encoding="utf-8")))
    defaults = yaml.safe_load((Z2JH / "values.yaml").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(_merged(defaults, values))
    # and a mistake is caught, so the check above checks something
    wrong = _merged(values, {"singleuser": {"networkPolicy": {"egressAllowRules": {"everything": True}}}})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(_merged(defaults, wrong))


def test_a_persons_pod_reaches_only_the_hub_the_proxy_and_the_exchange(values, exchange):
    policy = values["singleuser"]["networkPolicy"]
    assert policy["enabled"] is True
    # of the chart's ready-made rules only cluster DNS: no internet, no private IPs (other
    # people's pods, the cluster's services), no cloud metadata server
    rules = policy["egressAllowRules"]
    assert {name for name, allowed in rules.items() if allowed} == {"dnsPortsKubeSystemNamespace"}
    assert set(rules) == {
        "cloudMetadataServer",
        "dnsPortsCloudMetadataServer",
        "dnsPortsKubeSystemNamespace",
        "dnsPortsPrivateIPs",
        "nonPrivateIPs",
        "privateIPs",
    }  # each one said, none left to the chart's defaults (nonPrivateIPs is true there)
    # besides the hub and the proxy (the chart's own rules), the exchange's pods on its port
    exchange_pods = exchange["Deployment"]["spec"]["template"]["metadata"]["labels"]
    port = exchange["Service"]["spec"]["ports"][0]["targetPort"]
    [rule] = policy["egress"]
    [target] = rule["to"]
    assert target["podSelector"]["matchLabels"].items() <= exchange_pods.items()
    assert rule["ports"] == [{"protocol": "TCP", "port": port}]
    assert values["singleuser"]["extraEnv"]["REJECTION_WORKBOOK_EXCHANGE_URL"].startswith(
        f"http://{exchange['Service']['metadata']['name']}:{port}/"
    )
    # and the exchange takes connections from the proxy, the hub and people's pods, on that port
    fence = exchange["NetworkPolicy"]["spec"]
    assert fence["podSelector"]["matchLabels"].items() <= exchange_pods.items()
    assert set(fence["policyTypes"]) == {"Ingress", "Egress"}
    [entry] = fence["ingress"]
    assert {p["podSelector"]["matchLabels"]["component"] for p in entry["from"]} == {
        "proxy",
        "hub",
        "singleuser-server",
    }
    assert entry["ports"] == [{"protocol": "TCP", "port": port}]


def test_kubernetes_turns_on_internal_tls_where_kubespawner_supports_it(values, hub_config):
    hub = values["hub"]["config"]
    assert hub["JupyterHub"]["internal_ssl"] is True
    assert hub["JupyterHub"]["internal_certs_location"].startswith("/srv/jupyterhub/")  # the hub's volume
    assert hub["ConfigurableHTTPProxy"]["api_url"].startswith("https://")
    # Zero to JupyterHub's spawner (KubeSpawner, left as the chart sets it) supports it; the
    # one-server config has it on too
    assert "spawner_class" not in hub["JupyterHub"]
    assert hub_config.JupyterHub.internal_ssl is True


@as_root
@with_system_python
@pytest.mark.skipif(
    os.environ.get("REJECTION_WORKBOOK_TEST_SETUP") != "1",
    reason="installs the workbook with the hub in a throwaway prefix (minutes): REJECTION_WORKBOOK_TEST_SETUP=1",
)
def test_setup_sh_installs_an_environment_nobody_can_run_and_upgrades_it_when_run_again():
    opt = _folder(0o755)
    prefix = opt / "rejection-workbook"
    config = prefix / "etc" / "jupyterhub_config.py"
    shipped = (ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py").read_text(encoding="utf-8")
    env = dict(os.environ, REJECTION_WORKBOOK_PREFIX=str(prefix))
    where = "import workbook; print(workbook.__file__)"
    try:
        for run in (1, 2):
            done = subprocess.run(
                ["bash", str(SETUP), "--install-only"], env=env, capture_output=True, text=True, timeout=900
            )
            assert done.returncode == 0, done.stderr[-3000:]
            info = config.stat()
            assert (info.st_uid, info.st_mode & 0o777) == (0, 0o644)
            assert config.read_text(encoding="utf-8") == shipped  # the second run put it back
            seen = subprocess.run(
                ["runuser", "-u", "nobody", "--", prefix / "bin" / "python", "-I", "-c", where],
                capture_output=True,
                text=True,
                cwd="/",
            )
            assert seen.stdout.startswith(str(prefix / "lib")), seen  # the installed copy
            if run == 1:
                config.write_text(shipped + "# changed by hand\n", encoding="utf-8")
    finally:
        shutil.rmtree(opt, ignore_errors=True)
