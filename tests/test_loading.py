"""The loading screen's words: every language, every page, and how they reach the template.

The browser side (a Spanish browser reads the loading screen in Spanish) is in
tests/browser/test_spanish.py.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
import string
from pathlib import PurePath

import nbformat
from traitlets.config import Config, Configurable
from voila.configuration import VoilaConfiguration

from workbook import content, loading, singleuser
from workbook.cli import TEMPLATE
from workbook.paths import jupyter_data_dir, notebooks_dir
from workbook.registry import APP_NOTEBOOK, PRACTICE_NOTEBOOK, STAGES

WORDS = ("app_name", "tagline", "loading", "lost", "reload")


def _placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_every_language_has_the_words_for_every_notebook():
    words = loading.words()
    assert list(words) == list(content.LANGUAGES)
    stems = {p.stem for p in notebooks_dir().glob("*.ipynb")}
    assert PurePath(APP_NOTEBOOK).stem in stems and PurePath(PRACTICE_NOTEBOOK).stem in stems
    for lang, said in words.items():
        assert all(isinstance(said[key], str) and said[key].strip() for key in WORDS), lang
        assert _placeholders(said["loading"]) == {"title"}, lang
        assert set(said["titles"]) >= stems, lang
        assert all(isinstance(t, str) and t.strip() for t in said["titles"].values()), lang


def test_each_page_is_called_by_its_title_in_that_language():
    for lang, said in loading.words().items():
        common = content.text("common", lang)
        for stage in STAGES:
            assert said["titles"][PurePath(stage.notebook).stem] == common["titles"][stage.key]
        assert said["titles"][PurePath(APP_NOTEBOOK).stem] == common["app_name"]
        practice = content.text("sharing", lang)["practice"]["title"]
        assert said["titles"][PurePath(PRACTICE_NOTEBOOK).stem] == practice


def test_spanish_says_it_in_spanish():
    words = loading.words()
    english, spanish = words["en"], words["es"]
    for key in WORDS:
        assert spanish[key] != english[key], key
    for stem, title in english["titles"].items():
        assert spanish["titles"][stem] != title, stem


def test_the_words_go_where_voila_reads_them_beside_resources_already_configured():
    """Voilà's renderer reads `configuration.config.VoilaConfiguration.resources`, not the
    trait (voila/notebook_renderer.py); a VoilaConfiguration made later reads them too."""
    app = Configurable(config=Config({"VoilaConfiguration": {"resources": {"mine": {"a": 1}}}}))
    configuration = VoilaConfiguration(parent=app)
    loading.add_to(configuration)
    expected = {"mine": {"a": 1}, loading.RESOURCE: loading.words()}
    assert configuration.config.VoilaConfiguration.resources == expected
    assert configuration.resources == expected
    assert VoilaConfiguration(parent=app).resources == expected


def test_the_practice_hub_gives_voilas_own_extension_the_words_too():
    """Linked before any extension loads: Voilà's extension, which reads voila.json into a
    copy of the server's config, and ours (`_load_jupyter_server_extension`) both see them."""
    server = Configurable(config=Config())
    singleuser._link_jupyter_server_extension(server)
    voila_own = VoilaConfiguration(parent=server)
    voila_own.update_config(Config({"VoilaConfiguration": {"show_tracebacks": False}}))  # a voila.json
    for configuration in (voila_own, VoilaConfiguration(parent=server)):
        assert configuration.config.VoilaConfiguration.resources[loading.RESOURCE] == loading.words()


def _render(resources: dict, monkeypatch, notebook: str = "02_reason.ipynb") -> str:
    """Our template rendered as Voilà renders it, with no kernel (no cells run)."""
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_data_dir()))
    from voila.exporter import VoilaExporter
    from voila.paths import collect_template_paths

    paths = collect_template_paths(["voila", "nbconvert"], TEMPLATE)
    exporter = VoilaExporter(template_paths=paths, template_name=TEMPLATE, base_url="/")
    nb = nbformat.read(notebooks_dir() / notebook, as_version=4)
    context = {
        "frontend": "voila",
        "main_js": "voila.js",
        "kernel_start": lambda nb: "kernel-id",
        "notebook_execute": lambda nb, kernel_id: None,
        "cell_generator": lambda nb, kernel_id: iter(()),
        "progressive_rendering": False,
    }
    base = {"base_url": "/", "theme": "light", "template": TEMPLATE, "page_config": {}}
    base["metadata"] = {"name": PurePath(notebook).stem}

    async def render() -> str:
        parts = exporter.generate_from_notebook_node(
            nb, resources={**base, **resources}, extra_context=context
        )
        return "".join([html async for html, _resources in parts])

    # In a thread of its own: after the browser tests, Playwright's loop still runs in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, render()).result()


def test_without_the_words_the_template_shows_the_english_it_always_did(monkeypatch):
    """Plain `voila --template=rejection-workbook` gives the template no words."""
    page = _render({}, monkeypatch)
    assert '<span class="wb-brand-text">Rejection Workbook</span>' in page
    assert '<p class="wb-brand-tagline">A private place to work through it, at your own pace</p>' in page
    assert '<p id="loading_text">Opening “Stage 2 — Look at the reason”…</p>' in page
    assert '<html lang="en">' in page
    assert "wb-loading-words" not in page and "wb-language" not in page


def test_with_the_words_the_page_carries_them_safely(monkeypatch):
    words = loading.words()
    words["en"]["tagline"] = "</script><script>alert(1)</script>"  # nothing breaks out
    page = _render({loading.RESOURCE: words}, monkeypatch)
    assert '<p id="loading_text">Opening “Stage 2 — Look at the reason”…</p>' in page  # until the script runs
    found = re.search(r'<script type="application/json" id="wb-loading-words">(.*?)</script>', page, re.S)
    assert found, page
    assert json.loads(found.group(1)) == {"words": words, "page": "02_reason"}
    assert "<script>alert(1)" not in page
    assert 'localStorage.getItem("wb-language")' in page


def test_the_page_keeps_the_language_it_speaks_for_the_next_loading_screen():
    """The app and every single page under Voilà carry a Brand (tests/test_app.py); it
    stores the language where the template's loading script reads it."""
    from workbook.stages.kit import Brand

    assert 'localStorage.setItem("wb-language", model.get("language"))' in Brand._esm
    template = (jupyter_data_dir() / "voila" / "templates" / TEMPLATE / "index.html.j2").read_text()
    assert 'localStorage.getItem("wb-language")' in template
