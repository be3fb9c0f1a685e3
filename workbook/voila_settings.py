"""Voilà's settings for the app, written once: the same for `serve` and each person's server
on the practice hub.

`serve` runs standalone Voilà (`workbook.server`), which has short flags for some settings
(`--template=...`) and calls its application `Voila`; on the hub Voilà is a server extension
of jupyter_server, whose application is `ServerApp`. `SETTINGS` holds what both get, and what
only standalone Voilà gets (its own preheating: the hub preheats with
`workbook.hub.singleuser.AppKernelManager`); `standalone_flags` and `server_flags` spell them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = "rejection-workbook"
# The same pages drawn by the app's own light front end (js/, issue 22) instead of Voilà's.
# $REJECTION_WORKBOOK_FRONTEND (light or voila) chooses, for `serve` and the hub's servers
# alike; unset, DEFAULT_FRONTEND. Both stay, so both can be compared in one run.
LIGHT_TEMPLATE = "rejection-workbook-light"
FRONTEND_ENV = "REJECTION_WORKBOOK_FRONTEND"
FRONTENDS = {"voila": TEMPLATE, "light": LIGHT_TEMPLATE}
DEFAULT_FRONTEND = "light"
# The single-page notebooks (00_start.ipynb …) still open on their own, but only the app
# keeps a preheated kernel waiting: one standby kernel, not one per notebook.
NOT_PREHEATED = r".*\d\d_[^/]*\.ipynb$"
# A page's kernel that no tab is connected to any more (closed, crashed, a phone asleep: no
# close handler ran) is shut down after this long without activity, looked for this often:
# gone within 3 minutes, as Voilà's docs advise. A tab that is open keeps its kernel however
# long the person reads (`cull_connected` off); a phone that sleeps stops answering the
# server's pings (every 30 s) and loses its connection within about 2 minutes.
# $REJECTION_WORKBOOK_CULL="IDLE[,INTERVAL]" (seconds) changes both, for tests: one place.
CULL_ENV = "REJECTION_WORKBOOK_CULL"
IDLE_KERNEL_SECONDS = 120
CULL_INTERVAL_SECONDS = 60
# The next standby kernel starts this long after the last one was taken, not at once:
# starting one (imports, the app notebook) takes seconds of CPU, which the page just opened
# needs more, on a small machine, while the person takes their first steps in it.
REFILL_SECONDS = 20
# $REJECTION_WORKBOOK_REFILL="SECONDS" (whole, 0 or more) changes it, for tests that open many
# pages one after another and check what a page shows, not how soon its kernel was ready.
REFILL_ENV = "REJECTION_WORKBOOK_REFILL"
# How many kernels wait warm for the next tabs: one, for a person on their own machine.
# $REJECTION_WORKBOOK_STANDBY="N" (0 to MOST_STANDBY) changes it, e.g. for tests that open
# pages faster than one kernel can be made ready between them.
STANDBY_KERNELS = 1
MOST_STANDBY = 4
STANDBY_ENV = "REJECTION_WORKBOOK_STANDBY"
# The lab extensions the app page loads, and no other: the widgets (ipywidgets' manager and
# Voilà's, which runs them on the page) and anywidget (the app's own widgets). Measured with
# the browser's request log (issue 22): these three are all the page asks for. Every other
# extension installed in the same Python stays out, today's and any installed later: charts
# load plotly.js themselves, when the first one is drawn (charts/render.py), where plotly's
# lab extension would load its own ~5 MB copy before every first page; pygments' colours are
# for code, and the app page shows none; Voilà's JupyterLab preview is for JupyterLab.
NEEDED_EXTENSIONS = (
    "@jupyter-widgets/jupyterlab-manager",
    "@voila-dashboards/widgets-manager8",
    "anywidget",
)
# share files (at most 16 MiB, base64 on the way) must fit through the widget websocket
WEBSOCKET_MAX = 32 * 2**20
# Every text response (page, scripts, styles, JSON) goes gzip-compressed to a browser that
# accepts it: a phone on a slow network gets the app's first page in about a fifth of the bytes.
# Standalone Voilà sets its tornado_settings after making its web app, too late for this one:
# workbook/server.py hands them over while the app is made.
COMPRESS = True
# A lab extension's file whose name carries webpack's content hash (remoteEntry.698dcaf7.js,
# 84.09c61a35dce1705f.js) gets a new name when it changes: the browser may keep it for a year
# without asking again. Its style.js, package.json and the like keep their names: not these.
HASHED = re.compile(r"\.[0-9a-f]{8,}\.(js|css)$")
LABEXTENSIONS_URL = "voila/labextensions/"
# How long Voilà waits for a cell's outputs once the kernel has said the cell is done.
IOPUB_SECONDS = 60
APP = "{app}"  # in a setting's class: the application (`Voila` standalone, `ServerApp` on the hub)


@dataclass(frozen=True)
class Setting:
    """One configurable, as `Class.trait`; `alias` is standalone Voilà's short flag for it."""

    name: str
    value: object
    alias: str = ""
    standalone_only: bool = False  # Voilà's own preheating: the hub keeps a warm kernel its way

    def flag(self, app: str, *, short: bool) -> str:
        name = self.alias if short and self.alias else self.name.replace(APP, app)
        return f"--{name}={_spelled(self.value)}"


def _spelled(value: object) -> str:
    """A value as traitlets reads it on a command line: containers as Python literals."""
    if isinstance(value, tuple):
        value = list(value)
    return repr(value) if isinstance(value, list | dict) else str(value)


SETTINGS = (
    Setting("VoilaConfiguration.template", TEMPLATE, alias="template"),
    Setting("VoilaConfiguration.strip_sources", True, alias="strip_sources"),  # no code shown
    Setting("VoilaConfiguration.show_tracebacks", False, alias="show_tracebacks"),
    Setting("VoilaConfiguration.extension_allowlist", NEEDED_EXTENSIONS),
    # The kernel's outputs (a page's widgets) come on another channel than its "done": Voilà
    # waits 4 s for them by default, then renders the page without them. On a busy machine they
    # came later now and then, and the page was empty but for its header, its kernel holding
    # every widget (tests under load caught it; with 0 here, every page is so). It waits
    # only as long as the outputs take.
    Setting("VoilaExecutor.iopub_timeout", IOPUB_SECONDS),
    Setting(
        f"{APP}.tornado_settings",
        {"websocket_max_message_size": WEBSOCKET_MAX, "compress_response": COMPRESS},
    ),
    # the app's kernel preheated (run before it is asked for, so the first page is ready sooner
    # than a plain Voilà page), one at a time, and only the app's
    Setting("VoilaConfiguration.preheat_kernel", True, alias="preheat_kernel", standalone_only=True),
    Setting("VoilaConfiguration.default_pool_size", STANDBY_KERNELS, alias="pool_size", standalone_only=True),
    Setting("VoilaKernelManager.preheat_denylist", [NOT_PREHEATED], standalone_only=True),
)


def template(env: dict | None = None) -> str:
    """The Voilà template pages are served with: $REJECTION_WORKBOOK_FRONTEND's (`light`, the
    app's light front end; `voila`, Voilà's own), or DEFAULT_FRONTEND's when it names neither."""
    chosen = (os.environ if env is None else env).get(FRONTEND_ENV, "").strip().lower()
    return FRONTENDS.get(chosen, FRONTENDS[DEFAULT_FRONTEND])


def standby_kernels(env: dict | None = None) -> int:
    """How many kernels wait warm: STANDBY_KERNELS, or $REJECTION_WORKBOOK_STANDBY when it is a
    whole number from 0 to MOST_STANDBY."""
    value = (os.environ if env is None else env).get(STANDBY_ENV, "").strip()
    return int(value) if value.isdigit() and int(value) <= MOST_STANDBY else STANDBY_KERNELS


def _chosen(setting: Setting, env: dict | None) -> Setting:
    if setting.name == "VoilaConfiguration.template":
        return Setting(setting.name, template(env), setting.alias, setting.standalone_only)
    if setting.name == "VoilaConfiguration.default_pool_size":
        return Setting(setting.name, standby_kernels(env), setting.alias, setting.standalone_only)
    return setting


def immutable_urls(base_url: str, labextension_paths: list[str]) -> list[str]:
    """The URL of every lab extension file with a content hash in its name, under
    `base_url`, for jupyter_server's `static_immutable_cache` (URL prefixes whose files are
    served as immutable, kept a year). Whole URLs, so a file of the same folders whose name
    has no hash (style.js, package.json) is never marked; a file that changes gets a new name,
    so a new URL the browser has never kept."""
    base = base_url.rstrip("/") + "/" + LABEXTENSIONS_URL
    urls: set[str] = set()
    for root in map(Path, labextension_paths):
        if root.is_dir():
            urls.update(
                base + file.relative_to(root).as_posix()
                for file in root.rglob("*")
                if HASHED.search(file.name) and file.is_file()
            )
    return sorted(urls)


def cull_seconds(env: dict | None = None) -> tuple[int, int]:
    """(idle, interval): how long a kernel no tab is connected to may sit idle, and how often
    the server looks. $REJECTION_WORKBOOK_CULL ("IDLE" or "IDLE,INTERVAL", whole seconds above
    0) changes them; anything else keeps the defaults."""
    value = (os.environ if env is None else env).get(CULL_ENV, "")
    parts = [part.strip() for part in value.split(",")]
    if value and len(parts) <= 2 and all(part.isdigit() and int(part) > 0 for part in parts):
        idle = int(parts[0])
        return idle, int(parts[1]) if len(parts) == 2 else min(CULL_INTERVAL_SECONDS, idle)
    return IDLE_KERNEL_SECONDS, CULL_INTERVAL_SECONDS


def cull_arguments(env: dict | None = None) -> list[str]:
    """The kernel manager's options for culling: the same for `serve` and the hub."""
    idle, interval = cull_seconds(env)
    return [
        f"--MappingKernelManager.cull_idle_timeout={idle}",
        f"--MappingKernelManager.cull_interval={interval}",
        "--MappingKernelManager.cull_connected=False",  # a person reading keeps their page
    ]


def refill_seconds(env: dict | None = None) -> int:
    """How long after a page took the standby kernel the next one starts: REFILL_SECONDS, or
    $REJECTION_WORKBOOK_REFILL when it is a whole number of seconds (0 or more)."""
    value = (os.environ if env is None else env).get(REFILL_ENV, "").strip()
    return int(value) if value.isdigit() else REFILL_SECONDS


def standalone_flags(env: dict | None = None) -> list[str]:
    """`SETTINGS`, the standby kernel's refill delay and the culling for standalone Voilà
    (`serve`): its short flags where it has them, `Voila` as the application."""
    return (
        [_chosen(setting, env).flag("Voila", short=True) for setting in SETTINGS]
        + [f"--VoilaKernelManager.fill_delay={refill_seconds(env)}"]
        + cull_arguments(env)
    )


def server_flags(env: dict | None = None) -> list[str]:
    """`SETTINGS` but standalone Voilà's own preheating, and the culling, for Voilà as a
    jupyter_server extension (each person's server on the hub): full names, `ServerApp`."""
    return [
        _chosen(setting, env).flag("ServerApp", short=False)
        for setting in SETTINGS
        if not setting.standalone_only
    ] + cull_arguments(env)
