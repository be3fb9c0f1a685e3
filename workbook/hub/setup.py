"""A practice server on one machine: JupyterHub with the app, set up and started.

    python -m workbook.hubsetup start [--port 8000]    # the hub (run as root)
    python -m workbook.hubsetup add-person NAME [--therapist]
    python -m workbook.hubsetup singleuser ...         # what the hub runs for each person

`deploy/jupyterhub/setup.sh` installs what `start` needs on a fresh Debian machine; the
hub reads `deploy/jupyterhub/jupyterhub_config.py`, which reads its settings from the
environment through `Settings` below.
"""

from __future__ import annotations

import argparse
import grp
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .. import voila_settings
from ..paths import _shipped
from . import facts, isolation

# The hub's config: the copy setup.sh installs beside the environment (root's, not writable by
# others); else the one shipped in the package (the wheel, or a checkout while developing).
INSTALLED_CONFIG = Path(sys.prefix) / "etc" / "jupyterhub_config.py"
CONFIG = (
    INSTALLED_CONFIG
    if INSTALLED_CONFIG.is_file()
    else _shipped("deploy") / "jupyterhub" / "jupyterhub_config.py"
)
PROXY = "configurable-http-proxy"
STATE = Path("/var/lib/rejection-workbook")
INTERNAL_TLS_ENV = "REJECTION_WORKBOOK_INTERNAL_TLS"


class SetupError(Exception):
    """Something missing on this machine, said in one plain sentence."""


def _env_int(env, name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise SetupError(f"${name} must be a port number (1-65535), not {value!r}.")
    return int(value)


def _names(value: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in value.split(",") if n.strip())


@dataclass(frozen=True)
class Settings:
    """What a practice may change, each from an environment variable (defaults in brackets)."""

    ip: str = "127.0.0.1"  # REJECTION_WORKBOOK_HUB_IP
    port: int = 8000  # REJECTION_WORKBOOK_HUB_PORT: where people open the hub
    hub_port: int = 8081  # REJECTION_WORKBOOK_HUB_API_PORT
    proxy_api_port: int = 8001  # REJECTION_WORKBOOK_PROXY_API_PORT
    service_port: int = facts.SERVICE_PORT  # REJECTION_EXCHANGE_PORT
    state: Path = STATE  # REJECTION_WORKBOOK_HUB_STATE: hub database, cookie secret, envelopes
    therapists: tuple[str, ...] = ()  # REJECTION_WORKBOOK_THERAPISTS (besides the Unix group)
    admins: tuple[str, ...] = ()  # REJECTION_WORKBOOK_HUB_ADMINS
    idle_seconds: int = facts.IDLE_CULL_SECONDS  # REJECTION_WORKBOOK_IDLE_SECONDS
    crisis_line: str = ""  # REJECTION_WORKBOOK_CRISIS_LINE
    # REJECTION_WORKBOOK_PUBLIC_URL: the address people use ("https://practice.example/"), so
    # that the reminders they save to their calendars link to their own app
    public_url: str = ""
    # REJECTION_WORKBOOK_INTERNAL_TLS=0 turns off the hub's internal TLS, so that a benchmark can
    # measure what it costs; a practice keeps it on (deploy/README.md: what it protects)
    internal_tls: bool = True

    @property
    def scheme(self) -> str:
        """How the hub, the proxy, people's servers and the exchange talk among themselves."""
        return "https" if self.internal_tls else "http"

    @property
    def service_url(self) -> str:
        """The exchange's own address (with internal TLS, its certificate is from the hub's CA)."""
        return f"{self.scheme}://127.0.0.1:{self.service_port}"

    @classmethod
    def from_environment(cls, env: dict | None = None) -> Settings:
        env = os.environ if env is None else env
        idle = env.get("REJECTION_WORKBOOK_IDLE_SECONDS", "").strip()
        return cls(
            ip=env.get("REJECTION_WORKBOOK_HUB_IP", "127.0.0.1"),
            port=_env_int(env, "REJECTION_WORKBOOK_HUB_PORT", 8000),
            hub_port=_env_int(env, "REJECTION_WORKBOOK_HUB_API_PORT", 8081),
            proxy_api_port=_env_int(env, "REJECTION_WORKBOOK_PROXY_API_PORT", 8001),
            service_port=_env_int(env, "REJECTION_EXCHANGE_PORT", facts.SERVICE_PORT),
            state=Path(env.get("REJECTION_WORKBOOK_HUB_STATE") or STATE),
            therapists=_names(env.get(facts.THERAPISTS_ENV, "")),
            admins=_names(env.get("REJECTION_WORKBOOK_HUB_ADMINS", "")),
            idle_seconds=int(idle) if idle.isdigit() else facts.IDLE_CULL_SECONDS,
            crisis_line=env.get("REJECTION_WORKBOOK_CRISIS_LINE", ""),
            public_url=env.get("REJECTION_WORKBOOK_PUBLIC_URL", "").strip(),
            internal_tls=env.get(INTERNAL_TLS_ENV, "1").strip() != "0",
        )

    def environment(self) -> dict[str, str]:
        """These settings as the environment variables `from_environment` reads."""
        return {
            "REJECTION_WORKBOOK_HUB_IP": self.ip,
            "REJECTION_WORKBOOK_HUB_PORT": str(self.port),
            "REJECTION_WORKBOOK_HUB_API_PORT": str(self.hub_port),
            "REJECTION_WORKBOOK_PROXY_API_PORT": str(self.proxy_api_port),
            "REJECTION_EXCHANGE_PORT": str(self.service_port),
            "REJECTION_WORKBOOK_HUB_STATE": str(self.state),
            facts.THERAPISTS_ENV: ",".join(self.therapists),
            "REJECTION_WORKBOOK_HUB_ADMINS": ",".join(self.admins),
            "REJECTION_WORKBOOK_IDLE_SECONDS": str(self.idle_seconds),
            **({"REJECTION_WORKBOOK_CRISIS_LINE": self.crisis_line} if self.crisis_line else {}),
            **({"REJECTION_WORKBOOK_PUBLIC_URL": self.public_url} if self.public_url else {}),
            INTERNAL_TLS_ENV: "1" if self.internal_tls else "0",
        }


# -- each person's server ----------------------------------------------------------------------
SERVER_EXTENSIONS = {
    "voila": True,
    "voila.server_extension": False,  # Voilà's own config enables it under this name too: once
    "jupyterlab": True,
    "workbook.hub.singleuser": True,
    "jupyter_lsp": False,
    "jupyter_server_terminals": False,
    "notebook_shim": False,
}
APP_KERNEL_MANAGER = "workbook.hub.singleuser.AppKernelManager"  # the app's kernel kept warm
SERVER_MODULE = "workbook.hubserver"  # what `ps` shows for a person's server (hub/server.py)


def singleuser_arguments(notebooks: Path) -> list[str]:
    """jupyter_server options for a person's server: the app through Voilà's server extension
    with Voilà's settings for the app (as `serve`: workbook/voila_settings.py), its kernel
    preheated, JupyterLab in the person's own notebooks folder."""
    arguments = [
        f"--ServerApp.root_dir={notebooks}",
        # the app, its warm kernel and JupyterLab, and no other server extension installed
        # in this Python (terminals, language servers, the classic notebook's shim: memory
        # and start-up time for what the app page never uses)
        f"--ServerApp.jpserver_extensions={SERVER_EXTENSIONS!r}",
        f"--ServerApp.kernel_manager_class={APP_KERNEL_MANAGER}",
        # every kernel (the app's, the warm one, JupyterLab's) on sockets in the person's own
        # runtime folder, not on TCP ports anyone on this machine can connect to
        f"--KernelManager.transport={isolation.KERNEL_TRANSPORT}",
        # our template, no sources, no tracebacks, the lab extensions the app page does
        # without, a vanished tab's kernel gone within 3 minutes (an open tab keeps its own)
        *voila_settings.server_flags(),
    ]
    if os.geteuid() == 0:  # only when someone runs the hub's person as root (tests, containers)
        arguments.append("--ServerApp.allow_root=True")
    return arguments


def singleuser(argv: list[str]) -> None:
    """Become the person's Jupyter server (exec): their workbook home and notebooks first."""
    # here, not at the top: the hub's config imports this module for `Settings` alone
    from ..launch import app_environment, lab_notebooks, with_lab_config
    from ..store import Home

    home = Home()
    home.ensure()
    notebooks = lab_notebooks(home)  # the shipped notebooks, copied once, the person's to change
    env = with_lab_config(app_environment(home.path))
    command = [sys.executable, "-m", SERVER_MODULE, *singleuser_arguments(notebooks), *argv]
    os.execve(sys.executable, command, env)


# -- the machine: groups, people, the proxy ---------------------------------------------------
def ensure_groups() -> None:
    """The Unix groups of people who may log in: clients and therapists."""
    for name in (facts.PEOPLE_GROUP, facts.THERAPISTS_GROUP):
        try:
            grp.getgrnam(name)
        except KeyError:
            subprocess.run(["groupadd", "--system", name], check=True)


def add_person(name: str, password: str | None = None, *, therapist: bool = False) -> None:
    """A system user with a home only they can read (0700), in the group that may log in."""
    ensure_groups()
    group = facts.THERAPISTS_GROUP if therapist else facts.PEOPLE_GROUP
    subprocess.run(
        [
            "useradd",
            "--create-home",
            "--key",
            "HOME_MODE=0700",
            "--groups",
            group,
            "--shell",
            "/bin/bash",
            name,
        ],
        check=True,
    )
    home = Path(os.path.expanduser(f"~{name}"))
    home.chmod(0o700)  # older useradd ignore HOME_MODE
    if password is not None:
        subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)


def remove_person(name: str) -> None:
    """The user and their home, gone (used by tests; a practice keeps its people's homes)."""
    subprocess.run(["userdel", "--remove", name], check=False, capture_output=True)


def find_proxy() -> str:
    found = shutil.which(PROXY)
    if not found:
        raise SetupError(
            f"{PROXY} is not installed. Install it with: npm install -g {PROXY} "
            "(deploy/jupyterhub/setup.sh does this)."
        )
    return found


def hub_command(config: Path = CONFIG) -> list[str]:
    """The hub, isolated (`-I`): it imports the workbook from this environment only, never from
    the folder it was started in nor from $PYTHONPATH."""
    return [sys.executable, "-I", "-m", "workbook.hub.hubapp", "-f", str(config)]  # JupyterHub, one fix


def hub_environment(settings: Settings) -> dict[str, str]:
    """The hub's environment: ours, the settings, and this Python's folder first on PATH
    (so the services and each person's server run the same shared environment)."""
    env = dict(os.environ)
    env.update(settings.environment())
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _default_signals() -> None:
    """In the hub's process before it runs: Ctrl+C and Ctrl+\\ do what they do by default."""
    for signum in (signal.SIGINT, signal.SIGQUIT):
        signal.signal(signum, signal.SIG_DFL)


def _check_config(config: Path) -> None:
    """The hub runs the config as root: only root may be able to change it."""
    for path in (config, config.parent):
        try:
            info = path.stat()
        except OSError:
            raise SetupError(f"The hub's config {config} can't be read.") from None
        if info.st_uid != 0 or info.st_mode & 0o022:
            raise SetupError(
                f"{path} can be changed by someone other than root, and the hub would run it as root: "
                "install with deploy/jupyterhub/setup.sh (its config is /opt/rejection-workbook/etc/)."
            )


def start(settings: Settings, config: Path = CONFIG) -> int:
    """Run the hub until Ctrl+C or SIGTERM; it stops its proxy, services and servers."""
    if os.geteuid() != 0:
        raise SetupError("The hub starts each person's server as that person, so it must run as root.")
    find_proxy()
    _check_config(config)
    ensure_groups()
    settings.state.mkdir(mode=0o700, parents=True, exist_ok=True)
    process = subprocess.Popen(
        hub_command(config),
        env=hub_environment(settings),
        cwd=settings.state,  # root's own folder: nothing importable, nothing anyone else wrote
        start_new_session=True,
        # Started as `... &` by a script, this process ignores SIGINT, and an ignored signal
        # stays ignored through exec: the hub's services (the idle culler) would ignore the
        # hub's SIGINT and the hub would wait ~30 s for them. The hub starts as from a terminal.
        preexec_fn=_default_signals,
    )
    print(f"The practice server is starting at http://{settings.ip}:{settings.port}/", flush=True)

    def stop(_signum=None, _frame=None):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    try:
        return process.wait()
    except KeyboardInterrupt:
        stop()
        return process.wait()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["singleuser"]:  # everything after it is the hub's, for jupyter_server
        singleuser(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m workbook.hubsetup", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("start", help="start the practice server (as root)")
    run.add_argument("--port", type=int, help="where people open it (default 8000)")
    run.add_argument("--config", type=Path, default=CONFIG, help="the jupyterhub_config.py to use")
    person = sub.add_parser("add-person", help="make a system user who can log in")
    person.add_argument("name")
    person.add_argument("--therapist", action="store_true", help="put them in the therapists group")
    args = parser.parse_args(argv)
    try:
        if args.command == "add-person":
            add_person(args.name, therapist=args.therapist)
            print(f"Made {args.name}. Set their password with: passwd {args.name}")
            return 0
        settings = Settings.from_environment()
        if args.port:
            os.environ["REJECTION_WORKBOOK_HUB_PORT"] = str(args.port)
            settings = Settings.from_environment()
        return start(settings, args.config)
    except (SetupError, subprocess.CalledProcessError) as exc:
        print(f"rejection-workbook hub: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
