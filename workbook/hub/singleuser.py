"""A person's own server on the practice hub: the app's kernel kept warm, as `serve` does.

`serve` runs standalone Voilà, which starts the app's kernel and runs the app in it before
anyone asks (`preheat_kernel`). On the hub Voilà is a jupyter_server extension, where it
offers no preheating: every log-in waited for a new kernel to start and build the app.
`python -m workbook.hubsetup singleuser` runs jupyter_server with:

- `AppKernelManager` as its kernel manager: Voilà's own preheating kernel manager
  (`voila_kernel_manager_factory`, the one standalone Voilà uses), keeping the app ready;
- this module as a server extension, which gives that manager what it reads from its
  parent (Voilà's settings) and starts the app's kernel once the server runs.

One app kernel per person, never two: a kernel stands by only while no page uses one, so a
person with one app tab costs their server and one kernel, as before. When the tab closes
(its kernel shut down) or vanishes without closing (a phone asleep, a browser crashed: its
kernel culled within 3 minutes, `voila_settings.cull_arguments`), a new one warms up for the next
log-in; the one standing by is never culled. Every request still goes through jupyter_server and the hub's log-in.

Its responses are compressed as `serve`'s are (`compress_response` in voila_settings.SETTINGS,
which jupyter_server reads while it makes its web app), and the lab extension files with a
content hash in their names are kept a year by the browser (`static_immutable_cache`, set
here once the server knows its address under the hub, /user/NAME/).
"""

from __future__ import annotations

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from voila.configuration import VoilaConfiguration
from voila.paths import collect_template_paths
from voila.server_extension import load_config_file
from voila.utils import get_voila_labextensions_path
from voila.voila_kernel_manager import voila_kernel_manager_factory

from .. import loading, preheat, voila_settings
from ..registry import APP_NOTEBOOK

_Preheating = voila_kernel_manager_factory(
    AsyncMappingKernelManager, preheat_kernel=True, default_pool_size=1
)


class AppKernelManager(preheat.preheated(_Preheating)):
    """Voilà's preheating kernel manager for the app notebook only, one kernel at a time."""

    def __init__(self, **kwargs):
        # Voilà's __init__ fills the pool at once from its parent's Voilà settings, which a
        # jupyter_server has only once the extension below has loaded: skip it, set its state.
        super(_Preheating, self).__init__(**kwargs)
        self._wait_at_startup = True
        self.notebook_data = {}
        self._pools = {}
        self.notebook_path = None

    def _standing_by(self, notebook: str) -> set[str]:
        return {
            task.result()["kernel_id"]
            for task in self._pools.get(notebook, [])
            if task.done() and not task.cancelled() and task.exception() is None
        }

    def in_use(self, notebook: str) -> set[str]:
        """The ids of `notebook`'s preheated kernels a page has taken."""
        started = self.notebook_data.get(notebook, {}).get("kernel_ids", set())
        return set(started) - self._standing_by(notebook)

    def fill_if_needed(self, delay=None, notebook_name=None, **kwargs):
        # Voilà refills the pool as soon as a page takes its kernel; that would keep a second
        # kernel per person (~130 MB) for a second tab that rarely comes. Refill once it is free.
        if self._stopping or self.in_use(notebook_name):
            return
        super().fill_if_needed(delay, notebook_name, **kwargs)

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        notebook = self._get_notebook_from_kernel(kernel_id)
        result = await super().shutdown_kernel(kernel_id, *args, **kwargs)
        if notebook is not None:
            self.fill_if_needed(notebook_name=notebook)  # the next log-in finds it ready
        return result


def _jupyter_server_extension_points():
    return [{"module": "workbook.hub.singleuser"}]


def _link_jupyter_server_extension(server_app) -> None:
    """Give the template the loading screen's words in every language (workbook/loading.py).

    Put in the server's config while extensions are linked, before any is loaded: Voilà's
    own extension and `_load_jupyter_server_extension` below make their VoilaConfiguration
    from that config when they load, and Voilà reads the words from there."""
    loading.add_to(VoilaConfiguration(parent=server_app))


def _load_jupyter_server_extension(server_app) -> None:
    """Give `AppKernelManager` what Voilà's manager reads from its parent (on standalone
    Voilà, the Voilà app; here, the ServerApp): Voilà's settings, template and web app.
    And mark the lab extension files that are named by their content as immutable."""
    voila = VoilaConfiguration(parent=server_app)
    settings = server_app.web_app.settings
    settings["static_immutable_cache"] = [
        *settings.get("static_immutable_cache", []),
        *voila_settings.immutable_urls(
            server_app.base_url, get_voila_labextensions_path(voila.extra_labextensions_path)
        ),
    ]
    if not isinstance(server_app.kernel_manager, AppKernelManager):
        server_app.log.warning(
            "workbook.hub.singleuser: the app's kernel is not preheated (another kernel manager)"
        )
        return
    local = load_config_file()  # voila.json / voila.py, read as Voilà's own extension does
    if local is not None:
        voila.update_config(local)
    server_app.voila_configuration = voila
    server_app.template_paths = collect_template_paths(["voila", "nbconvert"], voila.template)
    server_app.app = server_app.web_app
    server_app.server_url = server_app.web_app.settings.get("server_url", "/")
    server_app.notebook_path = None


async def _start_jupyter_server_extension(server_app) -> None:
    """The server runs: warm the app's kernel for the first page."""
    manager = server_app.kernel_manager
    if isinstance(manager, AppKernelManager):
        manager.fill_if_needed(delay=0, notebook_name=APP_NOTEBOOK)
