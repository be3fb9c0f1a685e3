"""The facts the hub's pieces share, written down once: the one-server JupyterHub config,
the Kubernetes values, the exchange service and the app.

`deploy/jupyterhub/jupyterhub_config.py` and `deploy/kubernetes/values.yaml` must agree on
these (a test reads both and compares); the exchange service (workbook/hub/service.py) reads
its names and settings from here too. Nothing here imports anything: the app's kernel reads it.
"""

from __future__ import annotations

SERVICE_NAME = "rejection-exchange"  # the hub-managed exchange service (workbook.hub.service)
SERVICE_MODULE = "workbook.hub.service"
SERVICE_PORT = 10101  # where the service listens ($JUPYTERHUB_SERVICE_URL)
# The narrowest role that lets the service tell who is asking and who is a therapist.
SERVICE_SCOPES = ("read:users:groups", "read:users:name")
DB_ENV = "REJECTION_EXCHANGE_DB"  # the service's SQLite file
AUDIT_ENV = "REJECTION_EXCHANGE_AUDIT"  # its audit log (default: beside the database, .audit.log)
# On one machine the service reads the Unix group of therapists at each request
# (workbook/hub/people.py): the group's name, and names counted as therapists besides it.
UNIX_GROUP_ENV = "REJECTION_EXCHANGE_THERAPISTS_GROUP"
THERAPIST_NAMES_ENV = "REJECTION_EXCHANGE_THERAPIST_NAMES"  # comma-separated
# Where each person's app finds the exchange (set by the hub; see workbook/hub/client.py).
EXCHANGE_URL_ENV = "REJECTION_WORKBOOK_EXCHANGE_URL"
# The PEM of the CA that signed the exchange's certificate, given to each person's server: the
# app checks the exchange against it before sending a token (workbook/hub/client.py).
EXCHANGE_CA_ENV = "REJECTION_EXCHANGE_CA"
THERAPISTS_GROUP = "therapists"
PEOPLE_GROUP = "rejection-workbook"  # the Unix group of clients allowed to log in
THERAPISTS_ENV = "REJECTION_WORKBOOK_THERAPISTS"  # comma-separated user names put in the group

# Each person's server: the app first, JupyterLab one click away (/lab).
SINGLEUSER_MODULE = "workbook.hubsetup"  # `python -m workbook.hubsetup singleuser ...` (hub/setup.py)
DEFAULT_URL = "/voila/render/app.ipynb"
# A therapist (hub group THERAPISTS_GROUP) lands on their practice page: clients, inbox, notes.
THERAPIST_URL = "/voila/render/07_practice.ipynb"


def landing_url(groups) -> str:
    """Where a person's server opens: the practice page for a therapist, else the app."""
    return THERAPIST_URL if THERAPISTS_GROUP in set(groups or ()) else DEFAULT_URL


IDLE_CULL_SECONDS = 60 * 60  # a person's server stops after an hour without use
# Many people share a server's memory: their kernels load pandas and plotly when a chart is
# first needed (about 60 MB less each), not while waiting (workbook/stages/app.py reads it).
CHARTS_ENV = "REJECTION_WORKBOOK_LOAD_CHARTS"
CHARTS_LATER = "later"

# The image for Kubernetes: the package and its Python, as /opt/rejection-workbook on one server.
IMAGE_NAME = "ghcr.io/rejection-workbook/rejection-workbook"
IMAGE_TAG = "0.1.0"


def service_prefix() -> str:
    """The exchange's path under the hub's address."""
    return f"/services/{SERVICE_NAME}/"


def service_command(python: str = "python") -> list[str]:
    return [python, "-m", SERVICE_MODULE]


def singleuser_command(python: str = "python") -> list[str]:
    return [python, "-m", SINGLEUSER_MODULE, "singleuser"]
