"""The app's Voilà template: a folder of its own that fetches nothing from the network."""

from __future__ import annotations

import json
import re

from workbook.cli import TEMPLATE
from workbook.paths import jupyter_data_dir

TEMPLATE_DIR = jupyter_data_dir() / "voila" / "templates" / TEMPLATE
URL = re.compile(r"https?://", re.IGNORECASE)


def template_files():
    return sorted(p for p in TEMPLATE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def test_the_template_folder_has_its_parts():
    names = {p.relative_to(TEMPLATE_DIR).as_posix() for p in template_files()}
    assert {"conf.json", "index.html.j2", "static/app.css", "static/widgets.css"} <= names


def test_conf_json_is_valid_and_builds_on_the_lab_template():
    conf = json.loads((TEMPLATE_DIR / "conf.json").read_text(encoding="utf-8"))
    assert conf["base_template"] == "lab"


def test_no_template_file_names_anything_to_fetch_from_the_network():
    found = {
        p.relative_to(TEMPLATE_DIR).as_posix(): line.strip()
        for p in template_files()
        for line in p.read_text(encoding="utf-8").splitlines()
        if URL.search(line)
    }
    assert found == {}


def test_the_page_replaces_the_lab_templates_cdn_blocks():
    index = (TEMPLATE_DIR / "index.html.j2").read_text(encoding="utf-8")
    assert "{%- extends 'lab/index.html.j2' -%}" in index
    # The lab template's notebook_css block links FontAwesome from a CDN: ours skips it
    # (super.super() goes straight to nbconvert's CSS) and empties the mermaid block.
    assert "{%- block notebook_css -%}" in index and "super.super()" in index
    assert "{%- block html_head_js_mermaidjs -%}" in index
    links = re.findall(r"<link[^>]*>", index)
    assert links == ['<link rel="icon" href="data:;base64,=">']  # no stylesheet from elsewhere


def test_the_css_has_focus_rings_print_rules_dark_colours_and_a_visually_hidden_class():
    widgets = (TEMPLATE_DIR / "static" / "widgets.css").read_text(encoding="utf-8")
    app = (TEMPLATE_DIR / "static" / "app.css").read_text(encoding="utf-8")
    assert ":focus-visible" in widgets and "outline: 3px solid" in widgets
    assert "@media print" in widgets and "@media print" in app
    assert ".wb-visually-hidden" in widgets
    assert 'data-jp-theme-light="false"' in app
    assert "prefers-reduced-motion" in app


def test_widget_css_only_touches_the_workbooks_own_elements():
    """The kit puts widgets.css on every page in JupyterLab too: it must not restyle Lab."""
    css = (TEMPLATE_DIR / "static" / "widgets.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    selectors = re.findall(r"([^{}]+)\{", css)
    for group in selectors:
        if group.strip().startswith("@"):
            continue
        for selector in group.split(","):
            selector = selector.strip()
            assert selector.startswith((".wb-", "body.wb-app")), selector
