"""The one-page app (workbook/stages/app.py) driven in Python: routes, freshness, workbooks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from workbook import hubfacts, registry
from workbook.stages import app as shell
from workbook.stages import kit
from workbook.store import Home


@pytest.fixture
def home(tmp_path):
    found = Home(tmp_path / "home")
    found.ensure()
    return found


@pytest.fixture
def slug(home):
    with home.create("After the interview") as wb:
        home.set_current(wb.path.stem)
        return wb.path.stem


def _shown(app) -> str:
    """The route of the page the app shows (the holder's class says which)."""
    [show] = [c for c in app.holder._dom_classes if c.startswith("wb-show-")]
    key = show.removeprefix("wb-show-")
    assert f"wb-stage-{key}" in app.shown[key].widget._dom_classes
    return key


def _titles(widget) -> str:
    return " ".join(
        w.value for w in shell._reachable(widget).values() if hasattr(w, "value") and isinstance(w.value, str)
    )


def test_opens_on_the_start_page_and_follows_the_address(home, slug):
    app = shell.App(home=home.path)
    assert _shown(app) == "start"
    app.go("reason", f"?token=abc&workbook={slug}")
    assert _shown(app) == "reason"
    assert app.session.slug == slug
    assert app.router.routes == [s.key for s in registry.STAGES]


@pytest.mark.parametrize("route", ["", "nope", "../../etc", "REASON", None, 42, "a" * 500])
def test_an_unknown_route_shows_the_start_page(home, slug, route):
    app = shell.App(home=home.path)
    app.go("feel", "")
    app.go(route, "")
    assert _shown(app) == "start"


@pytest.mark.parametrize(
    "search", ["?workbook=..%2F..%2Fetc", "?workbook=nobody-here", "?workbook=a%0A", "?" + "&x=1" * 50, 12]
)
def test_a_bad_workbook_in_the_address_opens_nothing_and_says_why(home, slug, search):
    app = shell.App(home=home.path)
    app.go("feel", search)
    assert _shown(app) == "feel"
    if isinstance(search, str) and "workbook=" in search:
        assert app.session.workbook is None
        assert app.session.problem == (  # what the person reads
            "That workbook isn't on this computer. Choose one on the start page."
            if "nobody-here" in search
            else "That link does not point to a workbook on this computer."
        )
    else:  # nothing about a workbook in the address: no problem to tell
        assert app.session.problem is None
    with home.open(slug) as wb:
        assert wb.entries() == []  # nothing was written anywhere


def test_coming_back_shows_the_same_page_at_once_when_nothing_changed(home, slug):
    app = shell.App(home=home.path)
    app.go("feel", f"?workbook={slug}")
    feel = app.shown["feel"].widget
    app.go("reason")
    app.go("feel")
    assert app.shown["feel"].widget is feel  # not built again


def test_a_page_is_built_afresh_when_the_workbook_changed_elsewhere(home, slug):
    app = shell.App(home=home.path)
    app.go("heal", f"?workbook={slug}")
    heal = app.shown["heal"].widget
    assert "Kept my word" not in _titles(heal)
    app.go("reason")
    with home.open(slug) as wb:  # another tab, or the reason page itself
        wb.put("trait", {"name": "Kept my word", "domain": "personality", "rating": 3})
    app.go("heal")
    assert app.shown["heal"].widget is not heal
    assert "Kept my word" in _titles(app.shown["heal"].widget)
    app.build_ahead()  # the old page's widgets are closed once the browser has caught up
    assert heal.comm is None


def test_idle_moments_build_the_other_pages_next_ones_first(home, slug):
    app = shell.App(home=home.path)
    app.go("feel", f"?workbook={slug}")
    app.build_ahead()
    assert list(app.shown)[-1] == "reason"  # the page after this one comes first
    for _ in registry.STAGES:
        app.build_ahead()
    assert set(app.shown) == {s.key for s in registry.STAGES}
    assert _shown(app) == "feel"  # building ahead never changes what is shown


def test_writing_waiting_for_a_pause_is_saved_before_the_page_changes(home, slug, monkeypatch):
    app = shell.App(home=home.path)
    app.go("feel", f"?workbook={slug}")
    saved = []
    kit._WAITING_SAVES[0] = lambda: saved.append("flushed")
    try:
        app.go("reason")
    finally:
        kit._WAITING_SAVES.pop(0, None)
    assert saved == ["flushed"]


def test_opening_another_workbook_on_the_start_page_drops_the_other_pages(home, slug):
    app = shell.App(home=home.path)
    app.go("reason", f"?workbook={slug}")
    app.go("start")
    with home.create("Another one") as wb:
        other = wb.path.stem
    app.session.switch_to(other)
    assert set(app.shown) == {"start"}
    assert app.request == (other, None)
    app.go("feel")
    assert app.session.slug == other


def test_a_therapist_sees_a_client_copy_read_only(home, slug, monkeypatch):
    from workbook import exchange

    practice = exchange.practice_home(home)
    practice.ensure()
    with practice.create("Jo") as wb:
        client = wb.path.stem
    app = shell.App(home=home.path)
    app.go("feel", f"?client={client}")
    assert app.session.client and app.session.workbook.read_only
    assert app.session.links == kit.LINKS_APP


def _sent(app, monkeypatch) -> list[dict]:
    """What the app sends the browser from now on."""
    sent: list[dict] = []
    monkeypatch.setattr(app.router, "send", sent.append)
    return sent


def test_the_browser_is_told_which_pages_it_may_show_without_asking(home, slug, monkeypatch):
    app = shell.App(home=home.path)
    app.go("reason", f"?workbook={slug}")
    sent = _sent(app, monkeypatch)
    app._message(None, {"event": "location", "hash": "start", "seq": 4}, [])
    [shown] = sent
    assert shown["event"] == "shown" and shown["seq"] == 4  # believed only while nothing was touched since
    assert set(shown["fresh"]) == {"start", "reason"}

    with home.open(slug) as wb:  # a change made on the start page (or in another tab)
        wb.put("trait", {"name": "Kept my word", "domain": "personality", "rating": 3})
    app._message(None, {"event": "idle", "seq": 5}, [])
    assert sent[-1]["event"] == "more"  # a page went out of date: built afresh, one per idle moment
    for _ in registry.STAGES:  # idle moments bring every page up to date again
        app._message(None, {"event": "idle", "seq": 5}, [])
    assert set(sent[-1]["fresh"]) == {s.key for s in registry.STAGES} and sent[-1]["seq"] == 5


@pytest.mark.parametrize("seq", ["4", True, -1, 2**60, None, [4], 4.5])
def test_a_touch_count_from_the_page_is_checked(home, slug, monkeypatch, seq):
    app = shell.App(home=home.path)
    sent = _sent(app, monkeypatch)
    app._message(None, {"event": "location", "hash": "feel", "search": f"?workbook={slug}", "seq": seq}, [])
    assert sent[-1]["seq"] is None  # so the browser believes none of it


def test_charts_are_made_only_for_the_page_still_on_screen(home, slug, monkeypatch):
    app = shell.App(home=home.path)
    app.go("reason", f"?workbook={slug}")
    app.go("grow")
    drawn = []
    monkeypatch.setattr(shell.App, "_drawn", staticmethod(lambda widget: drawn.append(widget)))
    app._message(None, {"event": "drawn", "key": "reason"}, [])  # the person has moved on
    assert drawn == []
    app._message(None, {"event": "drawn", "key": "grow"}, [])
    assert drawn == [app.shown["grow"].widget]


def test_a_page_built_ahead_makes_no_charts_until_the_person_comes_to_it(home):
    """Drawn hidden in the browser, a page built ahead must not start on its charts: the
    page the person is on needs the kernel more."""
    from workbook.demo import DEMO_SLUG, install_demo

    install_demo(home)
    app = shell.App(home=home.path)
    app.go("start", f"?workbook={DEMO_SLUG}")
    while "journey" not in app.shown:
        app.build_ahead()
    kinds = {type(m).__name__ for m in shell._reachable(app.shown["journey"].widget).values()}
    assert "_ShownBeacon" not in kinds  # nothing on the page itself asks for its charts
    page = app.shown["journey"].widget.wb_page
    assert page._after_shown  # they wait for the app
    app.go("journey")
    app._message(None, {"event": "drawn", "key": "journey"}, [])
    assert not page._after_shown


def test_the_browser_language_builds_the_pages_in_it(home, slug, places):
    app = shell.App(home=home.path)
    app.router.send = lambda message: None
    app._message(None, {"event": "location", "hash": "feel", "search": "", "language": "es-MX"}, None)
    shown = _titles(app.shown["feel"].widget)
    assert "Siéntelo" in shown and "Feel it" not in shown
    assert "800 911 2000" in shown  # Mexico's crisis line at the top of the page
    assert app.words["app_title"].endswith("Cuaderno para después de un rechazo")
    # the tab's titles, the page's language and the header above every page follow
    assert app.router.titles["feel"].startswith("Siéntelo")
    assert (app.brand.language, app.brand.app_name) == ("es", "Cuaderno para después de un rechazo")
    assert "ritmo" in app.brand.tagline


def test_a_page_of_its_own_under_voila_puts_its_language_on_the_template(home, slug, places, monkeypatch):
    """The template's loading screen guesses the language from the browser; a single
    stage's page then says the language it really speaks (its workbook's), for the header,
    `<html lang>` and the tab's title. In JupyterLab there is no template to tell."""
    from workbook.stages import reason

    with home.open(slug) as wb:
        wb.set_meta("language", "es")
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    [brand] = [
        m
        for m in shell._reachable(reason.show(home=home.path, slug=slug)).values()
        if isinstance(m, kit.Brand)
    ]
    assert (brand.language, brand.app_name) == ("es", "Cuaderno para después de un rechazo")
    assert brand.title.startswith("Mira el motivo") and "ritmo" in brand.tagline

    monkeypatch.delenv("SERVER_SOFTWARE")
    places.set_language(None, by="person")
    shown = shell._reachable(reason.show(home=home.path, slug=slug)).values()
    assert not any(isinstance(m, kit.Brand) for m in shown)


def test_the_start_page_keeps_a_language_and_country_with_the_workbook(home, slug, places):
    app = shell.App(home=home.path)
    app.go("reason", f"?workbook={slug}")
    app.go("start")
    picker = next(
        w
        for w in shell._reachable(app.shown["start"].widget).values()
        if getattr(w, "description", "") == "Language"
    )
    picker.value = "es"
    assert "Empieza aquí" in _titles(app.shown["start"].widget)
    assert set(app.shown) == {"start"}  # the other pages go, to be built again in Spanish
    country = next(
        w
        for w in shell._reachable(app.shown["start"].widget).values()
        if getattr(w, "description", "") == "País"
    )
    country.value = "ES"
    with home.open(slug) as wb:
        assert (wb.meta("language"), wb.meta("country")) == ("es", "ES")
    places.set_language(None)  # a new visit: the workbook's own choice is used again
    places.set_country(None)
    app.go("feel")
    assert "024" in _titles(app.shown["feel"].widget) and "Siéntelo" in _titles(app.shown["feel"].widget)


def test_hiding_one_text_can_never_hide_every_text_that_shares_its_layout():
    from workbook.stages import plain

    first, second = plain.HTML("<p>One</p>"), plain.HTML("<p>Two</p>")
    assert first.layout is second.layout and first.style is second.style
    with pytest.raises(AttributeError, match="its own"):
        first.layout.display = "none"
    assert second.layout.display is None


def test_a_page_sends_the_browser_one_layout_for_its_text_not_one_each(home, slug):
    """Every model is made, sent and set up in the browser: a page's many texts and boxes
    share one layout and style instead of bringing two models each."""
    app = shell.App(home=home.path)
    app.go("heal", f"?workbook={slug}")
    models = shell._reachable(app.shown["heal"].widget).values()
    texts = [m for m in models if type(m).__name__ in ("HTML", "VBox", "HBox")]
    layouts = {id(m.layout) for m in texts}
    assert len(texts) > 40 and len(layouts) < len(texts) / 4


def test_a_practice_server_kernel_loads_the_chart_libraries_only_when_a_chart_needs_them(tmp_path):
    """On a practice server memory is shared by many people: the app's kernel starts
    without pandas and plotly, and the first chart still draws."""
    script = f"""
import sys
from workbook.demo import DEMO_SLUG, install_demo
from workbook.stages import app as shell
assert "pandas" not in sys.modules and "plotly.graph_objects" not in sys.modules
install_demo({str(tmp_path)!r})
app = shell.App(home={str(tmp_path)!r})
app.go("journey", "?workbook=" + DEMO_SLUG)
assert "pandas" not in sys.modules  # the page is built; its charts wait for the browser
app._message(None, {{"event": "drawn", "key": "journey"}}, [])
plots = [w for w in shell._reachable(app.shown["journey"].widget).values() if type(w).__name__ == "_Plot"]
for plot in plots:
    plot._message({{"event": "width", "width": 800}})  # as the browser reports it
assert plots and all(plot.spec.get("data") for plot in plots), [plot.spec for plot in plots]
assert "pandas" in sys.modules
"""
    env = {**os.environ, hubfacts.CHARTS_ENV: hubfacts.CHARTS_LATER}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


# What a client writes on each stage, as the therapist must read it in the client view
CLIENT_WORDS = {
    "feel": ("rejection", {"kind": "friend", "description": "WORDS-OF-FEEL we drifted apart"}),
    "reason": ("reason", {"status": "unknown", "text": "WORDS-OF-REASON maybe I was distant"}),
    "grow": ("path_choice", {"path": "grow", "note": "WORDS-OF-GROW I want to listen better"}),
    "heal": ("quality", {"text": "WORDS-OF-HEAL I keep my promises"}),
    "support": ("support_plan", {"option": "WORDS-OF-SUPPORT talk to my sister"}),
}


@pytest.fixture
def shared_client(home):
    """A therapist's home holding a client copy brought in from a share file of every stage
    (the file round trip of tests/test_practice.py, in one step)."""
    from workbook import exchange

    client_home = Home(home.path.parent / "client-home")
    client_home.ensure()
    with client_home.create("Jo") as wb:
        for kind, data in CLIENT_WORDS.values():
            wb.put(kind, data)
        shared = exchange.share_file(wb, registry.method_numbers())
    return exchange.import_share(exchange.practice_home(home), shared).slug


def _inputs(widget) -> list:
    """Every widget under `widget` a person could change (text boxes, choices, buttons)."""
    return [
        c
        for c in shell._reachable(widget).values()
        if "disabled" in c.trait_names() and not isinstance(c, (shell.w.HTML, shell.w.Label))
    ]


@pytest.mark.parametrize("key", [s.key for s in registry.STAGES if s.in_method])
def test_a_therapist_reads_each_shared_stage_inside_the_app(home, shared_client, key):
    app = shell.App(home=home.path)
    app.go(key, f"?client={shared_client}")
    page = app.shown[key].widget
    text = _titles(page)
    assert "could not be opened" not in text
    assert "read-only" in text
    [words] = [v for v in CLIENT_WORDS[key][1].values() if v.startswith("WORDS-OF-")]
    assert words in text
    inputs = _inputs(page)
    assert inputs and all(c.disabled for c in inputs), [c for c in inputs if not c.disabled]


def test_a_therapist_reads_the_journey_of_a_shared_client_inside_the_app(home, shared_client):
    app = shell.App(home=home.path)
    app.go("journey", f"?client={shared_client}")
    text = _titles(app.shown["journey"].widget)
    assert "could not be opened" not in text and "read-only" in text
    assert all(c.disabled for c in _inputs(app.shown["journey"].widget))
