# JupyterHub for a practice on one server: `python -m workbook.hubsetup start` (or
# deploy/jupyterhub/setup.sh on a fresh Debian machine) runs the hub with this file.
#
# - Each person is a system user of this machine (PAM log-in) with a home only they can
#   read (0700); their workbooks live in it. Who may log in: members of the Unix groups
#   `rejection-workbook` (clients) and `therapists` (therapists).
# - A person's own server opens the app page (Voilà) first; JupyterLab is at /lab.
# - The exchange service `rejection-exchange` moves end-to-end encrypted work between a
#   client and their therapist; it only sees sealed envelopes.
# - Idle servers are stopped by jupyterhub-idle-culler.
#
# Every setting a practice may want to change is an environment variable (see
# workbook/hub/setup.py, `Settings`); the facts shared with Kubernetes are in
# workbook/hub/facts.py.

import sys

from jupyterhub.auth import PAMAuthenticator

from workbook.hub import facts, isolation, people
from workbook.hub.setup import Settings

c = get_config()  # noqa: F821 -- provided by JupyterHub when it loads this file
settings = Settings.from_environment()
python = sys.executable  # the shared environment every user can run (/opt/rejection-workbook)

# -- the hub, its proxy and its state: on 127.0.0.1 only (put TLS in front to go further)
c.JupyterHub.ip = settings.ip
c.JupyterHub.port = settings.port
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings.hub_port
if settings.public_url:  # the address people use, behind the TLS proxy in front (deploy/README.md)
    c.JupyterHub.public_url = settings.public_url
c.ConfigurableHTTPProxy.api_url = f"{settings.scheme}://127.0.0.1:{settings.proxy_api_port}"
c.JupyterHub.db_url = f"sqlite:///{settings.state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(settings.state / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(settings.state / "jupyterhub-proxy.pid")
# The hub's own state (database, cookie secret, the exchange's envelopes, its internal CA) is
# the hub's alone.
settings.state.mkdir(mode=0o700, parents=True, exist_ok=True)
# Mutual TLS among the hub, the proxy, people's servers and the exchange, from the hub's own
# CA: a port another person takes while its owner is down gets no cookie and no token
# (workbook/hub/isolation.py says how; deploy/README.md what it protects).
c.JupyterHub.internal_ssl = settings.internal_tls  # on, unless a benchmark measures its cost
c.JupyterHub.internal_certs_location = str(settings.state / "internal-ssl")


# -- who may log in, and who is a therapist -------------------------------------------------
class WorkbookPAM(PAMAuthenticator):
    """PAM log-in; the hub group `therapists` follows the Unix group of that name (and the
    names in $REJECTION_WORKBOOK_THERAPISTS), looked up at every log-in and again at least
    once a minute while a person uses the hub (`refresh_user`)."""

    async def authenticate(self, handler, data):
        name = await super().authenticate(handler, data)
        if name is None:
            return None
        return {"name": name, "groups": groups_of(name)}

    async def refresh_user(self, user, handler=None):
        return {"name": user.name, "groups": groups_of(user.name)}


def groups_of(name: str) -> list[str]:
    therapist = people.is_therapist(name, facts.THERAPISTS_GROUP, settings.therapists)
    return [facts.THERAPISTS_GROUP] if therapist else []


c.JupyterHub.authenticator_class = WorkbookPAM
c.Authenticator.manage_groups = True
c.PAMAuthenticator.allowed_groups = {facts.PEOPLE_GROUP, facts.THERAPISTS_GROUP}
c.Authenticator.admin_users = set(settings.admins)
c.Authenticator.auth_refresh_age = 60  # groups read again at most a minute after


# -- each person's own server -------------------------------------------------------------
def _groups(user) -> list[str]:
    return [group.name for group in getattr(user, "groups", None) or ()]


def app_after_login(handler) -> str:
    """Where a person goes after logging in: straight to their page when their server runs
    (the app; a therapist's practice page) — one hop fewer than their server's own / sending
    them on to it; otherwise "" lets the hub start the server first, as always, and the
    server opens on the same page (`landing`). The same in deploy/kubernetes."""
    user = handler.current_user
    if user is None or not user.spawner.active:
        return ""
    return user.url.rstrip("/") + facts.landing_url(_groups(user))


def landing(spawner) -> str:
    """The page a person's server opens on ($JUPYTERHUB_DEFAULT_URL, asked at each start):
    a therapist's practice page (hub group `therapists`), the app for everyone else."""
    return facts.landing_url(_groups(spawner.user))


c.JupyterHub.default_url = app_after_login
c.JupyterHub.spawner_class = "workbook.hub.hubapp.PracticeSpawner"  # the local spawner, quicker to stop
c.Spawner.cmd = facts.singleuser_command(python)
c.Spawner.default_url = facts.DEFAULT_URL
# a home of their own (0700), a loopback address of their own with a certificate naming only
# it, the exchange's CA for the app; and when the server stops, nothing of theirs keeps running
c.Spawner.pre_spawn_hook = isolation.prepare
c.Spawner.ssl_alt_names = isolation.certificate_names
c.Spawner.ssl_alt_names_include_local = False
c.Spawner.post_stop_hook = isolation.end_processes
c.Spawner.http_timeout = 60
# a bookmark to the app after the server was stopped (idle, or a restart) starts it again
# rather than showing "Launch Server"
c.JupyterHub.implicit_spawn_seconds = 1
c.Spawner.environment = {
    # the app finds the exchange here (the service's own address, on this machine)
    facts.EXCHANGE_URL_ENV: settings.service_url + facts.service_prefix(),
    # pandas and plotly load when a person first comes to a chart, not in every waiting
    # kernel: about 60 MB less for each person on the start page
    facts.CHARTS_ENV: facts.CHARTS_LATER,
    # a therapist's server opens on the practice page (Spawner.default_url for everyone else)
    "JUPYTERHUB_DEFAULT_URL": landing,
}
if settings.crisis_line:
    c.Spawner.environment["REJECTION_WORKBOOK_CRISIS_LINE"] = settings.crisis_line

# -- services: the exchange and the idle culler --------------------------------------------
c.JupyterHub.services = [
    {
        "name": facts.SERVICE_NAME,
        "url": settings.service_url,
        "command": facts.service_command(python),
        "environment": {
            facts.DB_ENV: str(settings.state / "exchange.sqlite"),
            # the exchange reads the Unix group at each request: taken out, no therapist's rights
            facts.UNIX_GROUP_ENV: facts.THERAPISTS_GROUP,
            facts.THERAPIST_NAMES_ENV: ",".join(settings.therapists),
        },
        "oauth_no_confirm": True,
        "display": False,
    },
    {
        "name": "idle-culler",
        "command": [
            python,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={settings.idle_seconds}",
            # the hub's API speaks TLS from the internal CA (as root, it may read the hub's key)
            f"--ssl-enabled={settings.internal_tls}",  # a traitlets flag: bare, it stops the culler
            f"--internal-certs-location={c.JupyterHub.internal_certs_location}",
        ],
    },
]
# People reach the exchange with their login and with their server's token (which the app's
# kernel uses); neither JupyterHub's default user role nor that token carries it by default.
c.JupyterHub.extra_user_scopes = {f"access:services!service={facts.SERVICE_NAME}"}
c.Spawner.server_token_scopes = [
    "users:activity!user",
    "access:servers!server",
    f"access:services!service={facts.SERVICE_NAME}",
]
c.JupyterHub.load_roles = [
    # the exchange may only learn who a person is and whether they are a therapist
    {"name": facts.SERVICE_NAME, "scopes": list(facts.SERVICE_SCOPES), "services": [facts.SERVICE_NAME]},
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    },
]
