"""The app's light front end (js/, issue 22): a Voilà template of its own, switched on with
$REJECTION_WORKBOOK_FRONTEND=light, whose one script is built from js/package-lock.json.

- the shipped light.js / light.css are exactly what `js/build.sh` makes from the lock;
- its kernel websocket messages are the v1 protocol jupyter_server (and Voilà's handler,
  which reads every binary frame as v1) expect, both ways, buffers included;
- the one ipywidgets internal the typing keeper flushes with is in the bundle as it uses it;
- the template changes only the script (and its CSS) and fetches nothing from elsewhere.
The app's browser tests run on it with REJECTION_WORKBOOK_FRONTEND=light.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from workbook import voila_settings
from workbook.paths import jupyter_data_dir

from .scripts import load_script
from .test_widget_internals import INTERNALS

# ipywidgets' flush of the held-back change (test_widget_internals.LIBRARY_FLUSH), as esbuild
# minifies it: the keeper does the same
LIGHT_FLUSH = re.compile(
    r"(?:this\._msg_buffer!==null|null!==this\._msg_buffer)&&this\._pending_msgs<1\)\)\{(?:const|let|var) "
    r"(\w+)=this\.send_sync_message\(this\._msg_buffer,this\._msg_buffer_callbacks\);"
    r"this\.rememberLastUpdateFor\(\1\),this\._msg_buffer=null,this\._msg_buffer_callbacks=null\}"
)

ROOT = Path(__file__).resolve().parents[1]
JS = ROOT / "js"
LIGHT = jupyter_data_dir() / "voila" / "templates" / voila_settings.LIGHT_TEMPLATE
SHIPPED = ("light.js", "light.css")  # and light.js.LEGAL.txt when a bundled package has a license comment


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is not installed; CI must check the light front end's bundle")
        pytest.skip("node is not installed")
    return node


def _in_node(script: str, given: object) -> dict:
    """Run an ES module `script` in node with `given` as JSON on its standard input; what it
    prints, read as JSON."""
    done = subprocess.run(
        [_node(), "--input-type=module", "-e", script],
        input=json.dumps(given),
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads(done.stdout)


# -- the switch ---------------------------------------------------------------------------------
def test_the_front_end_is_the_one_asked_for_else_the_default():
    default = voila_settings.FRONTENDS[voila_settings.DEFAULT_FRONTEND]
    assert voila_settings.template({}) == default
    assert voila_settings.template({voila_settings.FRONTEND_ENV: "something"}) == default
    assert voila_settings.template({voila_settings.FRONTEND_ENV: " Light "}) == voila_settings.LIGHT_TEMPLATE
    assert voila_settings.template({voila_settings.FRONTEND_ENV: "voila"}) == voila_settings.TEMPLATE
    for name, template in voila_settings.FRONTENDS.items():
        chosen = {voila_settings.FRONTEND_ENV: name}
        assert f"--template={template}" in voila_settings.standalone_flags(chosen)
        assert f"--VoilaConfiguration.template={template}" in voila_settings.server_flags(chosen)
    assert f"--template={default}" in voila_settings.standalone_flags({})
    assert f"--VoilaConfiguration.template={default}" in voila_settings.server_flags({})


def test_voila_waits_for_a_busy_kernels_outputs_on_both_servers():
    """Voilà's 4 s wait for a cell's outputs lost a page's widgets on a busy machine."""
    wait = f"--VoilaExecutor.iopub_timeout={voila_settings.IOPUB_SECONDS}"
    assert voila_settings.IOPUB_SECONDS >= 30
    assert wait in voila_settings.standalone_flags({}) and wait in voila_settings.server_flags({})


def test_the_light_template_builds_on_the_apps_and_changes_only_the_script():
    conf = json.loads((LIGHT / "conf.json").read_text(encoding="utf-8"))
    assert conf["base_template"] == voila_settings.TEMPLATE
    index = (LIGHT / "index.html.j2").read_text(encoding="utf-8")
    assert "extends 'rejection-workbook/index.html.j2'" in index
    assert '<script src="{{ resources.include_url("static/light.js") }}" defer></script>' in index
    assert "voila_setup_labextensions" not in index  # not Voilà's front end
    for name in ("conf.json", "index.html.j2"):
        assert "http://" not in (LIGHT / name).read_text() and "https://" not in (LIGHT / name).read_text()


def test_the_bundle_loads_nothing_from_elsewhere():
    script = (LIGHT / "static" / "light.js").read_text(encoding="utf-8")
    for fetching in ('import("http', 'src="http', 'href="http', 'fetch("http', "require.js", "cdn."):
        assert fetching not in script, fetching


def test_the_bundle_holds_back_changes_the_way_the_typing_keeper_flushes():
    script = (LIGHT / "static" / "light.js").read_text(encoding="utf-8")
    for name in INTERNALS:
        assert f".{name}" in script, name
    assert LIGHT_FLUSH.search(script)


# -- built from the lock ------------------------------------------------------------------------
def test_the_shipped_bundle_is_what_the_lock_builds(tmp_path):
    _node()
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    work = tmp_path / "js"
    shutil.copytree(JS, work, ignore=shutil.ignore_patterns("node_modules"))
    out = tmp_path / "out"
    # the lock's exact versions (from npm's cache when it has them); no install scripts run
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline"],
        cwd=work,
        check=True,
        capture_output=True,
        timeout=600,
    )
    subprocess.run(
        ["node", "build.mjs"], cwd=work, check=True, env={**os.environ, "LIGHT_OUTDIR": str(out)}, timeout=300
    )
    built = {path.name for path in out.iterdir()}
    assert set(SHIPPED) <= built
    for name in built:
        assert (out / name).read_bytes() == (LIGHT / "static" / name).read_bytes(), (
            f"{name} is not what js/package-lock.json builds: run js/build.sh and commit the result"
        )
    for name in {path.name for path in (LIGHT / "static").glob("light.*")} - built:
        pytest.fail(f"{name} is shipped but js/package-lock.json no longer builds it: run js/build.sh")


# -- the kernel websocket's v1 protocol ---------------------------------------------------------
MSG = {
    "channel": "shell",
    "header": {"msg_id": "a1", "msg_type": "comm_msg", "session": "s", "username": "", "version": "5.3"},
    "parent_header": {},
    "metadata": {},
    "content": {"comm_id": "c1", "data": {"method": "custom", "content": {"event": "plotly", "é": "ü"}}},
}
BUFFERS = [b"\x00\x01\x02plotly", b"", b"x" * 70_000]

ROUND_TRIP = """
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
import("%s").then(({ serializeV1, deserializeV1 }) => {
  const input = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
  const ours = { ...input.msg, buffers: input.buffers.map((b) => Buffer.from(b, "base64")) };
  const made = Buffer.from(serializeV1(ours)).toString("base64");
  const theirs = Buffer.from(input.theirs, "base64");
  const read = deserializeV1(theirs.buffer.slice(theirs.byteOffset, theirs.byteOffset + theirs.byteLength));
  read.buffers = read.buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64"));
  console.log(JSON.stringify({ made, read }));
});
"""


def test_its_messages_are_jupyter_servers_v1_protocol_both_ways():
    from jupyter_server.services.kernels.connection.base import (
        deserialize_msg_from_ws_v1,
        serialize_msg_to_ws_v1,
    )

    parts = [json.dumps(MSG[key]).encode() for key in ("header", "parent_header", "metadata", "content")]
    theirs = serialize_msg_to_ws_v1(parts + BUFFERS, "iopub")
    given = {
        "msg": MSG,
        "buffers": [base64.b64encode(b).decode() for b in BUFFERS],
        "theirs": base64.b64encode(theirs).decode(),
    }
    answer = _in_node(ROUND_TRIP % (JS / "src" / "kernel.js").as_uri(), given)
    # what the page sends, as the server reads it
    channel, msg_list = deserialize_msg_from_ws_v1(base64.b64decode(answer["made"]))
    assert channel == "shell"
    assert [json.loads(p) for p in msg_list[:4]] == [
        MSG[k] for k in ("header", "parent_header", "metadata", "content")
    ]
    assert list(msg_list[4:]) == BUFFERS
    # what the server sends, as the page reads it
    read = answer["read"]
    assert read["channel"] == "iopub"
    assert {k: read[k] for k in ("header", "parent_header", "metadata", "content")} == {
        k: MSG[k] for k in ("header", "parent_header", "metadata", "content")
    }
    assert [base64.b64decode(b) for b in read["buffers"]] == BUFFERS


# -- the kernel's widgets restored in slices ----------------------------------------------------
ORDER = """
import("%s").then(({ dependencyOrder, references }) => {
  const states = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
  const circle = { a: { state: { child: "IPY_MODEL_b" } }, b: { state: { children: ["IPY_MODEL_a"] } } };
  console.log(JSON.stringify({ order: dependencyOrder(states), circle: dependencyOrder(circle),
    named: references({ x: ["IPY_MODEL_1", { y: "IPY_MODEL_2" }], z: "MODEL_3", n: 4, b: new Uint8Array(2) }) }));
});
"""


def test_every_model_is_made_after_the_models_it_names():
    """The page's widgets are made one at a time (a task of its own now and then), so a box's
    children, layouts and styles must already be there when the box is made."""
    states = {
        "box": {"state": {"children": ["IPY_MODEL_text", "IPY_MODEL_inner"], "layout": "IPY_MODEL_l1"}},
        "inner": {"state": {"children": ["IPY_MODEL_text"], "layout": "IPY_MODEL_l2"}},
        "text": {"state": {"value": "IPY_MODEL_ is only words here", "layout": "IPY_MODEL_l3"}},
        "l1": {"state": {}},
        "l2": {"state": {}},
        "l3": {"state": {}},
        "lonely": {"state": {"other": "IPY_MODEL_not_on_this_page"}},
    }
    script = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n"
    answer = _in_node(script + ORDER % (JS / "src" / "slices.js").as_uri(), states)
    order = answer["order"]
    assert sorted(order) == sorted(states)
    for model, state in states.items():
        for named in state["state"].values():
            for ref in named if isinstance(named, list) else [named]:
                if ref.startswith("IPY_MODEL_") and ref[len("IPY_MODEL_") :] in states:
                    assert order.index(ref[len("IPY_MODEL_") :]) < order.index(model), (model, ref)
    assert answer["circle"] is None  # then they are all made at once, as ipywidgets does
    assert answer["named"] == ["1", "2"]


# -- nbconvert's lab index.css, trimmed -----------------------------------------------------------
def _lab_css():
    return load_script(JS / "lab_css.py")


def test_the_trimmed_lab_css_keeps_what_can_match_and_the_properties_it_uses():
    lab_css = _lab_css()
    css = (
        ":root { --jp-used: 1px; --jp-unused: 2px; --jp-chained: var(--jp-used); }\n"
        "body { margin: var(--jp-chained); }\n"
        ".jp-FileBrowser { color: red; }\n"
        ".wb-page, .jp-Menu { padding: 0; }\n"
        "@media (max-width: 600px) { .jp-Dialog { color: blue; } .wb-page { margin: 0; } }\n"
        "@keyframes gone { from { opacity: 0; } }\n"
    )
    out = lab_css.trimmed(css, {"wb-page"}, elsewhere="")
    assert "body {" in out and "--jp-used: 1px" in out and "--jp-chained" in out
    assert ".wb-page {" in out and "@media (max-width: 600px)" in out
    for gone in ("jp-FileBrowser", "jp-Menu", "jp-Dialog", "--jp-unused", "@keyframes"):
        assert gone not in out, gone


def test_the_shipped_lab_css_is_what_lab_css_py_makes(tmp_path):
    lab_css = _lab_css()
    made = lab_css.build(tmp_path / "index.css")
    assert made == (LIGHT / "static" / "index.css").read_text(encoding="utf-8"), (
        "static/index.css is not what js/lab_css.py makes from the installed nbconvert: run js/build.sh"
    )
    assert len(made.encode()) < len(lab_css.lab_index_css().read_bytes()) / 4
