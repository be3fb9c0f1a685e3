"""The app in Spanish: every page, with a workbook that has something on every page, shows
no English sentence; the browser's language alone picks Spanish and its country's crisis
line; the start page's language picker rebuilds the pages in the language picked."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from workbook import content
from workbook.registry import STAGES, by_key

from .helpers import READY_TIMEOUT_MS, close_tab, here, screenshot, settled, wait_for_stage, wait_ready

pytestmark = pytest.mark.browser

# Words that only English has (none is a Spanish word), as whole words in what a page shows.
ENGLISH = re.compile(
    r"\b(the|your|you|and|with|this|that|what|when|here|yet|about|there|stage|check-in|"
    r"feel|feelings?|strengths?|weakness(es)?|goals?|steps?|write|writing|save|saved|open|"
    r"choose|remove|undo|done|next|back|help|need|now|please)\b",
    re.IGNORECASE,
)
# Shown on purpose, in any language: names of crisis lines and the app's own name.
ALLOWED = ("988 Suicide & Crisis Lifeline", "Rejection Workbook")


def english_in(text: str) -> list[str]:
    """The lines of `text` with an English word in them (the allowed names left out)."""
    found = []
    for line in text.splitlines():
        for name in ALLOWED:
            line = line.replace(name, "")
        if ENGLISH.search(line):
            found.append(line.strip())
    return found


def test_the_word_check_finds_english_and_passes_spanish():
    assert english_in("Saved your check-in at 10:02.")
    assert english_in("Now writing to “Mi cuaderno”.")
    assert not english_in("Guardado: tu registro, a las 10:02. Etapa 1 de 5 · Siéntelo")
    assert not english_in("Si ahora mismo corres peligro: 988 Suicide & Crisis Lifeline: 988 (24/7).")


def _fill(home) -> str:
    """A workbook, written in Spanish, with something on every page; returns its slug."""
    today = dt.date.today().isoformat()
    earlier = (dt.date.today() - dt.timedelta(days=9)).isoformat()
    with home.create("Mi cuaderno") as wb:
        wb.put(
            "rejection",
            {"kind": "friend", "happened_on": earlier, "description": "Mi amiga dejó de llamarme."},
        )
        wb.put("checkin", {"ratings": {"sadness": 7, "anger": 4}, "own_words": "Cansada.", "stage": 1})
        wb.put("checkin", {"ratings": {"sadness": 4, "hopeful": 5}, "stage": 4})
        wb.put("process_plan", {"way": "movement or exercise", "plan": "Caminar los martes."})
        wb.put("process_log", {"way": "journaling", "done_on": today, "note": "Me hizo bien."})
        wb.put("writing_session", {"minutes": 15, "perspective": "you", "topic": "Ella", "text": "Hoy…"})
        wb.put("reason", {"status": "partly known", "text": "Dijo que necesitaba espacio."})
        patience = wb.put("trait", {"name": "patience", "domain": "personality", "rating": 2})
        wb.put(
            "trait",
            {"name": "listening", "domain": "communication and relationships", "rating": -1, "touched": True},
        )
        wb.put("trait", {"name": "cocinar paella", "domain": "other", "rating": 3})
        wb.put("case_point", {"side": "for", "text": "Llegué tarde dos veces."})
        wb.put("case_point", {"side": "against", "text": "Siempre estuve ahí."})
        wb.put("verdict", {"value": "partly holds"})
        wb.put("path_choice", {"path": "grow"})
        goal = wb.put(
            "goal", {"title": "Escuchar sin interrumpir", "trait_id": patience.entry_id, "target_on": today}
        )
        wb.put("step", {"goal_id": goal.entry_id, "kind": "step", "done_on": earlier, "text": "Lo intenté."})
        wb.put(
            "step", {"goal_id": goal.entry_id, "kind": "chance taken", "done_on": today, "text": "Otra vez."}
        )
        wb.put(
            "celebration",
            {"goal_id": goal.entry_id, "done_on": today, "accomplishment": "Lo logré", "how": "Helado"},
        )
        wb.put("acceptance", {"text": "Pasó."})
        wb.put("quality", {"text": "Soy leal."})
        wb.put("boundary", {"type": "mental", "plan": "No miraré sus fotos.", "span": "for now"})
        wb.put(
            "compassion_pause", {"noticing": "Duele.", "common": "No estoy sola.", "kindness": "Poco a poco."}
        )
        wb.put("letter", {"text": "Querida yo: lo estás haciendo bien."})
        wb.put("kind_act", {"done_on": today, "text": "Un baño largo."})
        wb.put("weighing", {"how_long": "weeks", "sleep": "a little", "daily_life": "no", "self_harm": "no"})
        wb.put("support_plan", {"option": "support group", "note": "Buscar uno cerca."})
        return wb.path.stem


@pytest.fixture(scope="module")
def spanish(start_app, tmp_path_factory):
    app = start_app(tmp_path_factory.mktemp("spanish-home"), "--language", "es")
    return app, _fill(app.home)


def test_no_page_shows_an_english_sentence_in_spanish(browser, spanish):
    app, slug = spanish
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-ES")
    tab = context.new_page()
    try:
        problems = {}
        for stage in STAGES:
            tab.goto(app.app_url(stage.key, slug))
            wait_for_stage(tab, stage.key)
            settled(tab)  # charts and lists drawn once the page is on screen
            shown = tab.locator(f".wb-stage-{stage.key}")
            shown.locator("details summary").first.click()  # "¿Necesitas ayuda ahora?" open too
            text = tab.locator("body").inner_text()  # the template's header and foot too
            assert tab.evaluate("document.documentElement.lang") == "es"  # read aloud in Spanish
            if found := english_in(text):
                problems[stage.key] = found
                screenshot(tab, f"spanish-{stage.key}")
        assert problems == {}
        assert "024" in text  # es-ES: Spain's crisis line at the top of every page
    finally:
        context.close()


def test_the_browser_language_alone_picks_spanish_and_its_crisis_line(browser, app):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-MX")
    tab = context.new_page()
    try:
        tab.goto(app.app_url("start"))
        wait_for_stage(tab, "start")
        start = tab.locator(".wb-stage-start")
        start.get_by_role("heading", name="Empieza aquí").wait_for(timeout=READY_TIMEOUT_MS)
        start.locator("details summary").first.click()
        assert "800 911 2000" in start.locator(".wb-help-panel").inner_text()  # Línea de la Vida
    finally:
        context.close()


def test_the_start_page_switches_the_language_and_keeps_it(browser, spanish):
    app, _slug = spanish
    with app.home.create("Cambiar idioma") as wb:
        slug = wb.path.stem
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-ES")
    tab = context.new_page()
    try:
        tab.goto(app.app_url("start", slug))
        wait_for_stage(tab, "start")
        start = tab.locator(".wb-stage-start")
        start.get_by_role("heading", name="Empieza aquí").wait_for(timeout=READY_TIMEOUT_MS)
        start.get_by_label("Idioma").select_option(label="English")
        start.get_by_role("heading", name="Start here").wait_for(timeout=READY_TIMEOUT_MS)
        start.get_by_label("Country").select_option(label="United Kingdom")
        tab.get_by_text("Saved your language and country").first.wait_for(timeout=READY_TIMEOUT_MS)
        tab.goto(app.app_url("feel", slug))  # another page, opened afresh: English, the UK's line
        wait_for_stage(tab, "feel")
        feel = tab.locator(".wb-stage-feel")
        feel.get_by_role("heading", name="Feel it").wait_for(timeout=READY_TIMEOUT_MS)
        feel.locator("details summary").first.click()
        assert "116 123" in feel.locator(".wb-help-panel").inner_text()
    finally:
        context.close()
    with app.home.open(slug) as wb:
        assert (wb.meta("language"), wb.meta("country")) == ("en", "GB")


def test_the_loading_screen_speaks_the_browsers_language_then_the_pages(browser, app):
    """Before the page's kernel runs, a Spanish browser reads the template's loading screen
    in Spanish, on a single stage's page of a server that speaks English by default. Once
    the page is drawn, the header above it speaks the page's language: the workbook's
    English, not the loading screen's guess."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-ES")
    tab = context.new_page()
    brand = """() => [".wb-brand-text", ".wb-brand-tagline"].map(
                (selector) => document.querySelector(selector).textContent)"""
    slug = app.new_workbook()
    with app.home.open(slug) as wb:
        wb.set_meta("language", "en")  # the person chose English (else the browser's Spanish)
    try:
        # what the loading screen says, read as the document is parsed (the light front end
        # can draw the page, and take the loading screen away, before a later look)
        tab.add_init_script(
            """document.addEventListener("DOMContentLoaded", () => { window.wbLoadingWords =
                [".wb-brand-text", ".wb-brand-tagline", "#loading_text"].map(
                (selector) => document.querySelector(selector)?.textContent ?? null); });"""
        )
        tab.goto(app.url(by_key("reason").notebook, slug), wait_until="domcontentloaded")
        words = content.text("common", "es")
        shown = tab.evaluate("window.wbLoadingWords")
        title = words["titles"]["reason"]
        assert shown == [words["app_name"], words["tagline"], words["loading"].format(title=title)]
        assert tab.evaluate("document.documentElement.lang") == "es"

        wait_ready(tab)
        english = content.text("common", "en")
        here(tab).get_by_role("heading", name=english["titles"]["reason"]).wait_for()
        assert tab.evaluate(brand) == [english["app_name"], english["tagline"]]
        assert tab.evaluate("document.documentElement.lang") == "en"
        assert tab.title() == english["app_title"].format(page=english["titles"]["reason"])
        assert tab.evaluate("localStorage.getItem('wb-language')") == "en"  # the next loading screen
    finally:
        close_tab(tab)
        context.close()
