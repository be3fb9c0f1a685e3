"""Help first, on every page: the crisis line of the person's country, by one rule.

- Every kind of page (the app, a single stage's page, the practice page and the report it
  makes, HTML and PDF) says the same country's line in a British (en-GB), Spanish (es-ES)
  and Mexican (es-MX) browser, in the browser's language.
- The numbers are links that call them on a phone (tel:).
- "Need help now?" is on the screen wherever the person has scrolled to, on a phone and on
  a laptop; it opens where it is (the link does not move) and the line it opens covers
  neither the stages menu nor the page's title.

One demo app is served for the file (its Heal page is the longest page: ~6,000 px).
"""

from __future__ import annotations

import base64

import pytest

from workbook import content
from workbook.store import practice_home

from .helpers import ARTIFACTS, READY_TIMEOUT_MS, here, open_ready, settled, wait_for_stage

pytestmark = pytest.mark.browser

# (browser's language, page's language, the country's number, its tel: link)
PLACES = [
    ("en-GB", "en", "116 123", "tel:116123"),
    ("es-ES", "es", "024", "tel:024"),
    ("es-MX", "es", "800 911 2000", "tel:8009112000"),
]
SELF_HARM = {"en": "hurting myself", "es": "hacerme daño"}  # the answer's label, in each language
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def demo(start_app, tmp_path_factory):
    """The demo app, the demo workbook's slug, and a client's copy in the practice folder
    that shared Stage 5 with a "yes" to the self-harm question (and no country of its own)."""
    app = start_app(tmp_path_factory.mktemp("help-demo"), "--demo")
    slug = app.home.find("Demo — Sam").slug
    with practice_home(app.home).create("Client Alex") as wb:
        wb.put("weighing", {"how_long": "weeks", "sleep": "a little", "daily_life": "no", "self_harm": "yes"})
        wb.set_meta("shared_stages", [5])
    return app, slug


@pytest.fixture
def tab_in(new_tab):
    """tab_in(locale, size) -> a fresh tab of a browser speaking `locale`."""
    return lambda locale, size=LAPTOP: new_tab(viewport=size, locale=locale)


def _says_the_line(page, lang: str, number: str, href: str) -> None:
    """`page` (a locator of one page) says the country's line at its top and its foot."""
    # A page of its own may be built first in the server's language, then again in the
    # browser's, once the page has said which that is.
    page.locator("#wb-crisis a.wb-tel", has_text=number).first.wait_for(timeout=READY_TIMEOUT_MS)
    assert page.locator("#wb-crisis a.wb-tel").first.get_attribute("href") == href
    page.locator(".wb-help summary").click()
    panel = page.locator(".wb-help-panel")
    panel.wait_for()
    link = panel.locator("a.wb-tel")
    assert link.inner_text() == number and link.get_attribute("href") == href
    assert number in panel.inner_text()  # the words stay, the number is the link
    words = content.text("common", lang)
    assert page.locator(".wb-help summary").inner_text() == content._resources(lang)["crisis"]["link"]
    assert page.page.evaluate("document.documentElement.lang") == lang
    assert page.page.locator(".wb-brand-text").inner_text() == words["app_name"]


@pytest.mark.parametrize(("locale", "lang", "number", "href"), PLACES, ids=[p[0] for p in PLACES])
def test_the_app_says_the_countrys_line(demo, tab_in, locale, lang, number, href):
    app, slug = demo
    tab = tab_in(locale)
    tab.goto(app.app_url("reason", slug))
    wait_for_stage(tab, "reason")
    _says_the_line(tab.locator(".wb-stage-reason"), lang, number, href)
    assert tab.errors == []


@pytest.mark.parametrize(("locale", "lang", "number", "href"), PLACES, ids=[p[0] for p in PLACES])
def test_a_single_stage_page_says_the_same_line(demo, tab_in, locale, lang, number, href):
    app, slug = demo
    tab = open_ready(tab_in(locale), app.url("02_reason.ipynb", slug))
    title = content.text("common", lang)["titles"]["reason"]
    here(tab).get_by_role("heading", name=title, exact=True).wait_for(timeout=READY_TIMEOUT_MS)
    _says_the_line(here(tab), lang, number, href)
    assert tab.errors == []


@pytest.mark.parametrize(("locale", "lang", "number", "href"), PLACES, ids=[p[0] for p in PLACES])
def test_the_practice_page_and_its_report_say_the_same_line(demo, tab_in, locale, lang, number, href):
    """The practice page, its review of a client's Stage 5 (the line right beside the
    self-harm answer) and the report it makes, HTML and PDF."""
    app, _slug = demo
    tab = open_ready(tab_in(locale), app.url("07_practice.ipynb"))
    words = content.text("sharing", lang)["practice"]
    tab.get_by_role("heading", name=words["title"]).wait_for(timeout=READY_TIMEOUT_MS)
    _says_the_line(here(tab), lang, number, href)

    tab.get_by_role("button", name=words["review_button"]).click()
    beside = tab.locator("p.crisis")
    beside.wait_for(timeout=READY_TIMEOUT_MS)
    assert beside.locator("a.wb-tel").get_attribute("href") == href
    answer = SELF_HARM[lang]
    # the very next thing after the answer, and close to it on the screen
    assert answer in beside.evaluate("(el) => el.previousElementSibling.textContent")
    field = beside.evaluate_handle("(el) => el.previousElementSibling").as_element().bounding_box()
    gap = beside.bounding_box()["y"] - (field["y"] + field["height"])
    assert 0 <= gap < 40, "the crisis line is not right beside the answer"

    tab.get_by_role("button", name=words["report_button"]).click()
    made = tab.locator("a.wb-download[download$='.html']")
    made.wait_for(timeout=READY_TIMEOUT_MS)
    page = _data(made.get_attribute("href")).decode("utf-8")
    assert f'<html lang="{lang}">' in page
    at = page.index(answer)
    assert f'<a class="wb-tel" href="{href}">{number}</a>' in page[at : at + 800]
    pdf = _data(tab.locator("a.wb-download[download$='.pdf']").get_attribute("href"))
    assert pdf.startswith(b"%PDF") and f"({href})".encode() in pdf  # the number calls in the PDF
    assert tab.errors == []


def _data(href: str) -> bytes:
    """The bytes of a data: URI (base64), as a download link carries them."""
    assert href.startswith("data:") and ";base64," in href
    return base64.b64decode(href.split(";base64,", 1)[1])


# -- "Need help now?" from anywhere, in place --------------------------------------------------
BOX_JS = """
(selector) => {
  const found = [...document.querySelectorAll(selector)]
    .find((el) => el.checkVisibility({ visibilityProperty: true }) && el.getBoundingClientRect().width > 0);
  if (!found) return null;
  const b = found.getBoundingClientRect();
  return { x: b.x, y: b.y, width: b.width, height: b.height };
}
"""


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def _open_in_place(tab, size: dict, name: str) -> dict:
    """Open "Need help now?" where the page is scrolled to; check it opened in place, on the
    screen, clear of the menu and the title, with the number as a tel: link."""
    summary = here(tab).locator(".wb-help summary")
    before = tab.evaluate(BOX_JS, ".wb-help summary")
    assert before is not None, "no help link"
    assert before["y"] >= 0 and before["y"] + before["height"] <= size["height"], "help link off screen"
    assert before["x"] >= 0 and before["x"] + before["width"] <= size["width"]
    tab.screenshot(path=str(ARTIFACTS / f"help-{name}-closed.png"))
    summary.click()
    panel = here(tab).locator(".wb-help-panel")
    panel.wait_for(timeout=5_000)
    tab.wait_for_timeout(300)  # anything that would move has moved
    after = tab.evaluate(BOX_JS, ".wb-help summary")
    assert after == before, f"the link moved when clicked: {before} -> {after}"
    shown = tab.evaluate(BOX_JS, ".wb-help-panel")
    assert shown["y"] >= 0 and shown["y"] + shown["height"] <= size["height"], "the line is off screen"
    assert shown["x"] >= 0 and shown["x"] + shown["width"] <= size["width"]
    for covered in (".wb-nav", ".wb-header h1"):
        box = tab.evaluate(BOX_JS, covered)
        assert not _overlap(shown, box), f"the line covers {covered}: {shown} / {box}"
    middle = tab.evaluate(
        "([x, y]) => !!document.elementFromPoint(x, y)?.closest('.wb-help-panel')",
        [shown["x"] + shown["width"] / 2, shown["y"] + shown["height"] / 2],
    )
    assert middle, "something covers the open line"
    assert panel.locator("a.wb-tel").get_attribute("href") == "tel:116123"
    tab.screenshot(path=str(ARTIFACTS / f"help-{name}-open.png"))
    summary.click()  # closed again, in place
    tab.wait_for_timeout(200)
    assert tab.evaluate(BOX_JS, ".wb-help summary") == before
    return shown


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390px", "1280px"])
@pytest.mark.parametrize("where", ["app", "single"])
def test_need_help_now_is_reachable_from_the_foot_of_the_longest_page_and_opens_in_place(
    demo, tab_in, where, size
):
    app, slug = demo
    tab = tab_in("en-GB", size)
    ARTIFACTS.mkdir(exist_ok=True)
    if where == "app":
        tab.goto(app.app_url("heal", slug))
        wait_for_stage(tab, "heal")
    else:
        open_ready(tab, app.url("04_heal.ipynb", slug))
    here(tab).locator("#wb-crisis a.wb-tel", has_text="116 123").wait_for(timeout=READY_TIMEOUT_MS)
    tall = tab.evaluate("document.documentElement.scrollHeight")
    assert tall > 4 * size["height"], f"Heal is not a long page here ({tall} px)"
    name = f"{where}-{size['width']}"

    _open_in_place(tab, size, f"{name}-top")  # at the top: it pushes the page down

    for _ in range(3):  # to the very bottom (charts drawn on the way may make it longer)
        tab.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        settled(tab, "document.documentElement.scrollHeight")
    bottom = tab.evaluate("document.documentElement.scrollHeight - innerHeight - scrollY")
    assert bottom < 5, "not at the bottom of the page"
    _open_in_place(tab, size, f"{name}-bottom")
    assert tab.errors == []
