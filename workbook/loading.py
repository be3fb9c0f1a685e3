"""The words of the loading screen, in every language the app speaks.

Voilà shows our template's loading screen before the page's kernel runs, so before Python
knows the person's language. The servers we start (`workbook.server` for `serve`,
`workbook.singleuser` on the practice hub) hand the template these words as a resource
(`resources["wb_loading"]`), and a script in the template picks the language: the one the
app last spoke in this browser, else the browser's own, else English.

Imported when a server starts: it reads a few small files and imports nothing heavy.
"""

from __future__ import annotations

from pathlib import PurePath

from . import content, registry
from .paths import notebooks_dir

RESOURCE = "wb_loading"  # the key in the template's `resources`


def words() -> dict[str, dict]:
    """Language code -> {"app_name", "tagline", "loading" (with a {title} placeholder),
    "lost" and "reload" (the page's note when it can't reach its kernel), "titles": notebook
    stem ("02_reason", "app") -> the page's title}, for every language the app ships, English
    first."""
    return {lang: _words(lang) for lang in content.LANGUAGES}


def _words(lang: str) -> dict:
    common = content.text("common", lang)
    name = common["app_name"]
    titles = {PurePath(n).stem: name for n in _notebooks()}  # a page with no title of its own
    # the therapist's page is not a stage: its title lives with its other words
    titles[PurePath(registry.PRACTICE_NOTEBOOK).stem] = content.text("sharing", lang)["practice"]["title"]
    titles[PurePath(registry.PATTERNS_NOTEBOOK).stem] = content.text("patterns", lang)["title"]
    titles.update({PurePath(s.notebook).stem: common["titles"][s.key] for s in registry.STAGES})
    return {
        "app_name": name,
        "tagline": common["tagline"],
        "loading": common["loading"],
        "lost": common["connection_lost"],
        "reload": common["connection_reload"],
        "titles": titles,
    }


def _notebooks() -> list[str]:
    return sorted({registry.APP_NOTEBOOK, *(p.name for p in notebooks_dir().glob("*.ipynb"))})


def add_to(configuration) -> None:
    """Give the template the words, beside any resources already configured.

    `configuration` is a VoilaConfiguration. Voilà's renderer does not read its `resources`
    trait: it reads the traitlets config the configuration was made from
    (`configuration.config.VoilaConfiguration.resources`, voila/notebook_renderer.py), and
    every VoilaConfiguration made later from that config reads the words there too."""
    resources = {**configuration.resources, RESOURCE: words()}
    configuration.resources = resources
    configuration.config.VoilaConfiguration.resources = resources
