"""The one place our JavaScript reaches into ipywidgets' private workings, pinned to them.

`stages/js/typing_keeper.js` (the `_TypingKeeper` widget) sends a text area's held-back
change when the tab goes. ipywidgets gives no public way to do that: while one change is
on its way to the kernel, a model keeps the next in `_msg_buffer` (with its callbacks in
`_msg_buffer_callbacks`) and sends it, in `_handle_comm_msg`, only when the kernel answers:

    const t = this.send_sync_message(this._msg_buffer, this._msg_buffer_callbacks);
    this.rememberLastUpdateFor(t), this._msg_buffer = null, this._msg_buffer_callbacks = null

The keeper does the same, earlier. Should a new ipywidgets buffer changes another way,
the keeper would quietly do nothing and the last words typed before a tab closed would be
lost again; these tests fail first. They read the widget manager bundles installed here:
Voilà's (the app) and JupyterLab's (the notebooks opened in Lab).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jupyter_core.paths import jupyter_path

KEEPER = Path(__file__).resolve().parents[1] / "workbook" / "stages" / "js" / "typing_keeper.js"

BUNDLES = {
    "voila": "voila/labextensions/@voila-dashboards/widgets-manager8/static",
    "jupyterlab": "labextensions/@jupyter-widgets/jupyterlab-manager/static",
}

# What the keeper uses of a widget model that is not public API
INTERNALS = (
    "_msg_buffer",
    "_msg_buffer_callbacks",
    "send_sync_message",
    "rememberLastUpdateFor",
    "comm_live",
)

# ipywidgets' own flush of the held-back change, as it stands in the minified bundle
LIBRARY_FLUSH = re.compile(
    r"null!==this\._msg_buffer&&this\._pending_msgs<1\)\)\{(?:const|let|var) (\w+)=this\.send_sync_message"
    r"\(this\._msg_buffer,this\._msg_buffer_callbacks\);this\.rememberLastUpdateFor\(\1\),"
    r"this\._msg_buffer=null,this\._msg_buffer_callbacks=null\}"
)


def _bundle(which: str) -> str:
    for root in jupyter_path():
        folder = Path(root) / BUNDLES[which]
        if folder.is_dir():
            return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in folder.glob("*.js"))
    pytest.fail(
        f"the {which} widget manager is not installed (looked for {BUNDLES[which]} in {jupyter_path()})"
    )


def test_the_keeper_uses_the_internals_listed_here():
    keeper = KEEPER.read_text(encoding="utf-8")
    for name in INTERNALS:
        assert name in keeper, name
    used = set(re.findall(r"area\.(\w+)", keeper))
    assert used <= set(INTERNALS), f"the keeper reaches for more than is pinned here: {used - set(INTERNALS)}"


@pytest.mark.parametrize("which", sorted(BUNDLES))
def test_the_installed_widget_manager_still_holds_back_changes_the_way_the_keeper_flushes(which):
    bundle = _bundle(which)
    for name in INTERNALS:
        assert f".{name}" in bundle, f"{which}: ipywidgets no longer has {name}"
    assert LIBRARY_FLUSH.search(bundle), (
        f"{which}: ipywidgets no longer flushes its held-back change as typing_keeper.js does; "
        "read its WidgetModel._handle_comm_msg and bring the keeper in step"
    )
