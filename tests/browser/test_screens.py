"""What a person sees, on a small phone (320 px), a phone (390 px) and a laptop (1280 px):
every page of the demo workbook, in the app and as a single page, each loaded once per
width with the network cut off, then checked by axe, for boxes that scroll sideways, for
controls a finger can reach (on a phone) and for ways out to the network (on a laptop); and
the layout details a newcomer tripped over (issue 21).

Screenshots of every page at each width are kept in tests/artifacts/screens-*.png.
"""

from __future__ import annotations

import contextlib

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from workbook.registry import PATTERNS_NOTEBOOK, STAGES, page_notebooks

from .helpers import (
    CHARTS_DRAWN_JS,
    READY_TIMEOUT_MS,
    axe_problems,
    eventually,
    go_to_stage,
    here,
    open_page,
    open_ready,
    screenshot,
    settled,
)
from .page_checks import Offline, controls_fit_a_phone, frame_is_whole, no_way_out, sideways

pytestmark = pytest.mark.browser

SIZES = {
    320: {"width": 320, "height": 568},
    390: {"width": 390, "height": 844},
    1280: {"width": 1280, "height": 900},
}
SINGLE_PAGES = page_notebooks()
APP_PAGES = [f"app.ipynb#{stage.key}" for stage in STAGES]
PAGES = SINGLE_PAGES + APP_PAGES
KINDS = {"phone": (390, 320), "laptop": (1280,)}  # each kind of screen's widths, in turn
ONLY_TO_READ = ("06_journey.ipynb", PATTERNS_NOTEBOOK, "app.ipynb#journey")  # no controls of their own
CHECK_IN_STAGES = (1, 4)  # a check-in in progress there, so their 0-10 scales are on the page too
WITH_SCALES = ("01_feel.ipynb", "04_heal.ipynb", "app.ipynb#feel", "app.ipynb#heal")


@pytest.fixture(scope="module")
def demo(start_app, tmp_path_factory):
    """The demo app and the demo workbook's slug, with a check-in in progress on Stages 1
    and 4."""
    app = start_app(tmp_path_factory.mktemp("screens-demo"), "--demo")
    slug = app.home.find("Demo — Sam").slug
    with app.home.open(slug) as wb:
        for stage in CHECK_IN_STAGES:
            wb.set_meta(f"checkin_draft_{stage}", {"ratings": {"sadness": 6}, "own_words": ""})
    return app, slug


@pytest.fixture
def open_tab(new_tab):
    """open_tab(width) -> a fresh tab of that width (a touch phone below 600 px)."""
    return lambda width: new_tab(viewport=SIZES[width], is_mobile=width < 600, has_touch=width < 600)


def test_no_page_was_forgotten():
    assert {"00_start.ipynb", "01_feel.ipynb", "app.ipynb#start", "app.ipynb#journey"} <= set(PAGES)


def _open(app, slug, tab, page: str):
    """Open a single page, or a stage of the app ("app.ipynb#grow"), every chart drawn."""
    open_page(app, tab, page, slug)
    return _at_the_top(tab)


def _at_the_top(tab):
    """The page shown, every chart on it drawn, scrolled to its top."""
    tab.wait_for_function(CHARTS_DRAWN_JS, timeout=60_000, polling=300)
    tab.evaluate("window.scrollTo(0, 0)")
    tab.wait_for_timeout(300)
    return tab


def _name(page: str) -> str:
    return page.replace("app.ipynb#", "app-").replace(".ipynb", "")


def _turn_to(tab, width: int) -> None:
    """The same tab at another width, once its charts are drawn again to fit."""
    tab.set_viewport_size(SIZES[width])
    tab.wait_for_function("(w) => document.documentElement.clientWidth === w", arg=width)
    _fitted(tab)


def _fitted(tab) -> None:
    """The page shown, its charts drawn again to fit the screen's width (turned, or shown at
    last after the screen turned while it was hidden)."""
    tab.wait_for_function(CHARTS_DRAWN_JS, timeout=60_000, polling=300)
    tab.evaluate("window.scrollTo(0, 0)")
    settled(tab, "document.documentElement.scrollHeight")  # charts redrawn to the new width
    # a chart may still be drawn at the old width for a moment (a CI run caught one);
    # if it never fits, the check that follows says what still scrolls sideways
    with contextlib.suppress(AssertionError):
        eventually(lambda: not sideways(tab), timeout=15, what="the page to fit")


def _frame_and_scales(tab, page: str) -> None:
    frame_is_whole(tab)
    assert here(tab).locator(".wb-scale-body input[type=range]").count() == (page in WITH_SCALES), page


def _looks_right(tab, page: str, width: int) -> None:
    """The checks of one page at one width, as it is drawn now: nothing scrolls sideways,
    axe finds nothing, and on a phone every control is within a finger's reach."""
    screenshot(tab, f"screens-{_name(page)}-{width}")
    assert sideways(tab) == [], f"{page} at {width} px"
    assert axe_problems(tab) == [], f"{page} at {width} px"
    if width < 600:
        checked = controls_fit_a_phone(tab, width)
        assert checked > 0 or page in ONLY_TO_READ, page
        tab.evaluate("window.scrollTo(0, 0)")


def _every_check_at_every_width(demo, open_tab, kind: str, pages: list[str]) -> None:
    """Open the first of `pages` in a fresh tab for `kind` of screen, the network cut off,
    and run every check on each page at each of the kind's widths in turn: a page of its
    own, or the app's stages, each reached by its link in the stages menu."""
    app, slug = demo
    widths = KINDS[kind]
    tab = open_tab(widths[0])
    offline = Offline(tab.context)
    _open(app, slug, tab, pages[0])
    for width in widths:
        if width != widths[0]:
            _turn_to(tab, width)
        for page in pages:
            key = page.partition("#")[2]
            if key and tab.evaluate("document.documentElement.dataset.wbShow") != key:
                go_to_stage(tab, key)
                if width == widths[0]:
                    _at_the_top(tab)
                else:  # its charts were drawn at the wider screen, before it turned
                    _fitted(tab)
            if width == widths[0]:
                _frame_and_scales(tab, page)
            _looks_right(tab, page, width)
            if kind == "laptop":
                no_way_out(tab)
    offline.check(tab)
    assert tab.errors == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("page", SINGLE_PAGES, ids=_name)
def test_every_page_at_every_width(demo, open_tab, page, kind):
    """One load of the page per kind of screen, the network cut off. On a phone the page is
    looked at 390 px wide, then turned down to 320 px (a small phone) in the same tab: the
    layout follows the screen's width, so one page load serves both."""
    _every_check_at_every_width(demo, open_tab, kind, [page])


@pytest.mark.parametrize("kind", KINDS)
def test_every_stage_of_the_app_at_every_width(demo, open_tab, kind):
    """The app's stages, reached as a person reaches them: the app opened once per kind of
    screen, the network cut off, then each stage by its link in the stages menu, with the
    same checks as a page of its own; on a phone the walk is made at 390 px, then again
    with the screen turned down to 320 px."""
    _every_check_at_every_width(demo, open_tab, kind, APP_PAGES)


@pytest.mark.parametrize(
    ("page", "found"),
    [
        ('<button style="height:50px">Save</button><div style="position:fixed;inset:0"></div>', "covered"),
        ('<button style="height:20px">Save</button>', "touch targets under"),
        ('<button style="height:50px;margin-left:400px">Save</button>', "past the edge"),
    ],
    ids=["covered", "too-small", "off-screen"],
)
def test_the_phone_check_finds_a_control_out_of_a_fingers_reach(open_tab, page, found):
    """The check above, on a page with one control a finger can't use: it says which way."""
    tab = open_tab(390)
    tab.set_content(f'<meta name="viewport" content="width=device-width"><div class="wb-page">{page}</div>')
    with pytest.raises(AssertionError, match=found):
        controls_fit_a_phone(tab, 390)


# -- charts keep their place while they draw, and draw as they come into view ------------------
SUMMARY_TOPS_JS = """
() => [...document.querySelectorAll(".wb-chart-summary")].filter((el) => el.checkVisibility({ checkVisibilityCSS: true, visibilityProperty: true }))
  .map((el) => Math.round(el.getBoundingClientRect().top + window.scrollY))
"""
FIGURES_ARRIVED_JS = """
() => [...document.querySelectorAll(".wb-chart")].filter((el) => el.checkVisibility({ checkVisibilityCSS: true, visibilityProperty: true }))
  .every((el) => parseFloat(el.style.minHeight) > 100)
"""


@pytest.mark.parametrize("page", ["06_journey.ipynb", "app.ipynb#journey"], ids=_name)
def test_charts_lower_down_draw_once_scrolled_to_and_nothing_jumps(demo, open_tab, page):
    """Issue 21: on the journey page, charts lower down appeared more than 3 s after being
    scrolled to, and then pushed the text down. Only coming near the screen draws a chart,
    so the wait below proves the scroll drew it (how soon is for a benchmark, not a test)."""
    app, slug = demo
    tab = open_tab(390)
    open_page(app, tab, page, slug)
    tab.wait_for_function(FIGURES_ARRIVED_JS, timeout=30_000)  # each chart's place is kept
    tops = tab.evaluate(SUMMARY_TOPS_JS)
    charts = tab.locator(".wb-chart:visible")
    last = charts.nth(charts.count() - 1)
    assert last.locator(".main-svg").count() == 0  # far down: not drawn before it is needed
    last.scroll_into_view_if_needed()
    last.locator(".main-svg").first.wait_for(timeout=READY_TIMEOUT_MS)
    tab.wait_for_timeout(300)
    moved = [after - before for before, after in zip(tops, tab.evaluate(SUMMARY_TOPS_JS), strict=True)]
    assert all(abs(shift) <= 2 for shift in moved), f"the words under the charts moved {moved} px"


# -- the layout details a newcomer tripped over --------------------------------------------------
def _box(tab, selector: str) -> list[dict]:
    return tab.evaluate(
        "(s) => [...document.querySelectorAll(s)].filter((el) => el.checkVisibility({ checkVisibilityCSS: true, visibilityProperty: true }))"
        ".map((el) => { const r = el.getBoundingClientRect();"
        " return {top: r.top + scrollY, bottom: r.bottom + scrollY, left: r.left, right: r.right,"
        " height: r.height}; })",
        selector,
    )


@pytest.fixture(scope="module")
def sixteen_traits(demo):
    """A workbook with 16 traits on Stage 2 and three feelings being rated on Stage 1."""
    app, _slug = demo
    slug = app.new_workbook("Sixteen traits")
    with app.home.open(slug) as wb:
        for n, name in enumerate(
            [
                "patience",
                "kindness",
                "sense of humour",
                "confidence",
                "optimism",
                "curiosity",
                "reliability",
                "ambition",
                "calm under pressure",
                "openness to new things",
                "honesty",
                "generosity",
                "self-discipline",
                "adaptability",
                "spontaneity",
                "independence",
            ]
        ):
            wb.put("trait", {"name": name, "domain": "personality", "rating": n % 7 - 3, "note": "a note"})
        wb.set_meta(
            "checkin_draft_1", {"ratings": {"sadness": 6, "disappointment": 4, "hopeful": 3}, "own_words": ""}
        )
    return app, slug


@pytest.mark.parametrize("width", [320, 390])
def test_a_long_trait_list_is_compact_on_a_phone(sixteen_traits, open_tab, width):
    """Issue 21: Stage 2 with 16 traits was 11,248 px tall on a phone (each trait ~334 px)."""
    app, slug = sixteen_traits
    tab = open_tab(width)
    open_ready(tab, app.url("02_reason.ipynb", slug))
    rows = _box(tab, ".wb-trait-row")
    assert len(rows) == 16
    assert max(row["height"] for row in rows) <= (215 if width == 390 else 230)  # was 334
    assert rows[-1]["bottom"] - rows[0]["top"] <= 16 * (210 if width == 390 else 240)
    # each rating's words in full in its box (not "-1 slight weakne")
    cut = tab.evaluate(
        """() => [...document.querySelectorAll('.wb-trait-rating select')].filter((select) => {
          const style = getComputedStyle(select), pen = document.createElement('canvas').getContext('2d');
          pen.font = style.font;
          const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
          return pen.measureText(select.options[select.selectedIndex].text).width > room + 0.5;
        }).map((select) => select.options[select.selectedIndex].text)"""
    )
    assert cut == []
    # the note's "Remove" beside the note, both still big enough to tap
    for remove in _box(tab, ".wb-trait-row .jupyter-button"):
        assert remove["height"] >= 43.5 and remove["right"] <= width
    screenshot(tab, f"screens-sixteen-traits-{width}")


@pytest.mark.parametrize("width", [390, 1280])
def test_a_feelings_remove_button_is_always_in_the_same_place(sixteen_traits, open_tab, width):
    """Issue 21: "Remove" went beside or under a feeling's slider with the length of its name."""
    app, slug = sixteen_traits
    tab = open_tab(width)
    open_ready(tab, app.url("01_feel.ipynb", slug))
    tab.locator(".wb-feeling-row").nth(2).wait_for()
    places = tab.evaluate(
        """() => [...document.querySelectorAll('.wb-feeling-row')].map((row) => {
          const slider = row.querySelector('input[type=range]').getBoundingClientRect();
          const button = row.querySelector('.jupyter-button').getBoundingClientRect();
          return {beside: button.left >= slider.right && button.top < slider.bottom,
                  under: button.top >= slider.bottom - 1, sliderLeft: Math.round(slider.left)};
        })"""
    )
    assert len(places) == 3
    if width == 1280:
        assert all(p["beside"] for p in places), places
        assert len({p["sliderLeft"] for p in places}) == 1  # every slider starts in one place
    else:
        assert all(p["under"] for p in places), places


@pytest.mark.parametrize("width", [390, 1280])
def test_a_goals_buttons_each_keep_to_one_line_and_apart(demo, open_tab, width):
    """Issue 21: "Mark done" wrapped, and "Mark done" and "Remove" touched."""
    app, slug = demo
    tab = open_tab(width)
    open_ready(tab, app.url("03_grow.ipynb", slug))
    cards = tab.locator(".wb-goal")
    assert cards.count() >= 2
    for n in range(cards.count()):
        toggle, remove = (cards.nth(n).locator(".jupyter-button").nth(k).bounding_box() for k in range(2))
        assert toggle["height"] <= 48 and remove["height"] <= 48  # one line each
        assert remove["y"] - (toggle["y"] + toggle["height"]) >= 6  # not touching


IN_LINE_JS = """
() => {
  const [a, b] = [".wb-case-for h3", ".wb-case-against h3"].map((s) => document.querySelector(s));
  return a && b && Math.abs(a.getBoundingClientRect().top - b.getBoundingClientRect().top) <= 1;
}
"""


def test_the_case_for_and_against_headings_are_in_line(demo, open_tab):
    """Issue 21: the For and Against headings were ~12 px out of line on a laptop."""
    app, slug = demo
    tab = open_tab(1280)
    open_ready(tab, app.url("02_reason.ipynb", slug))
    # as the page settles, not at its first frame: in one CI run (of many) the headings
    # measured 126 px apart right after the page was ready
    with contextlib.suppress(PlaywrightTimeout):  # the measurement below says how far apart
        tab.wait_for_function(IN_LINE_JS, timeout=10_000, polling=200)
    (for_,) = _box(tab, ".wb-case-for h3")
    (against,) = _box(tab, ".wb-case-against h3")
    assert abs(for_["top"] - against["top"]) <= 1, (for_, against)
    assert against["left"] > for_["right"]  # side by side


def test_the_confirmation_after_create_workbook_is_on_screen(demo, open_tab):
    """Issue 21: after "Create workbook", the confirmation was at the page's foot, off-screen."""
    app, _slug = demo
    tab = open_tab(390)
    open_ready(tab, app.url("00_start.ipynb"))
    tab.get_by_label("New workbook name").fill("Said where I look")
    tab.get_by_role("button", name="Create workbook").click()
    said = tab.locator(".wb-status-near").get_by_text("Saved")
    said.wait_for(timeout=15_000)
    box = said.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= SIZES[390]["height"], "off-screen"
    assert "the new workbook" in said.inner_text()


@pytest.fixture(scope="module")
def practice(start_app, tmp_path_factory):
    """A therapist's app whose practice folder holds two clients' copies."""
    from workbook import exchange, registry
    from workbook.store import Home

    base = tmp_path_factory.mktemp("screens-practice")
    client, therapist = Home(base / "client"), Home(base / "therapist")
    client.ensure()
    therapist.ensure()
    for name in ("Alexandra Montgomery-Smith", "Jo"):
        with client.create(name) as wb:
            wb.put("reason", {"status": "unknown", "text": "Maybe I was distant."})
            shared = exchange.share_file(wb, registry.method_numbers())
        exchange.import_share(exchange.practice_home(therapist), shared)
    with therapist.create("My own notes"):
        pass
    return start_app(therapist.path, standby=0), shared  # the practice page only


@pytest.mark.parametrize("width", [390, 1280])
def test_the_clients_table_has_space_between_its_columns(practice, open_tab, width):
    """Issue 21: the clients table had no space between its columns. On a phone each client
    is a card (issue 24's caseload has six columns): every value on a line of its own."""
    app, _shared = practice
    tab = open_tab(width)
    open_ready(tab, app.url("07_practice.ipynb"))
    cells = tab.evaluate(
        """() => [...document.querySelectorAll('table.wb-clients tr')].map((tr) =>
          [...tr.children].map((cell) => {
            const range = document.createRange(); range.selectNodeContents(cell);
            const words = range.getBoundingClientRect(), box = cell.getBoundingClientRect();
            return {left: box.left, top: box.top, bottom: box.bottom,
                    wordsLeft: words.left, wordsRight: words.right};
          }))"""
    )
    assert len(cells) == 3  # the header and two clients
    if width < 640:
        for row in cells[1:]:  # (the header is there for screen readers only)
            for this, following in zip(row, row[1:], strict=False):
                assert following["top"] >= this["bottom"] - 0.5  # one under the other
        # each value says its column's name before it ("Last activity: …")
        labels = tab.evaluate(
            "[...document.querySelectorAll('table.wb-clients tbody td')].map(td => "
            "getComputedStyle(td, '::before').content)"
        )
        assert labels and all(label.startswith('"') and label != '""' for label in labels), labels
    else:
        for row in cells:
            for this, following in zip(row, row[1:], strict=False):
                assert following["wordsLeft"] - this["wordsRight"] >= 8  # words apart
            assert all(abs(cell["wordsLeft"] - cell["left"]) <= 1 for cell in row)  # read from the left
    assert sideways(tab) == []
    screenshot(tab, f"screens-practice-clients-{width}")


def test_a_file_picker_shows_the_chosen_files_name(practice, open_tab):
    """Issue 21: file pickers said "Choose file (1)" but never the file's name."""
    app, shared = practice
    tab = open_tab(1280)
    open_ready(tab, app.url("07_practice.ipynb"))
    with tab.expect_file_chooser() as chooser:
        tab.locator(".wb-upload").first.click()
    chooser.value.set_files(
        files=[
            {"name": "after-the-interview.workbook", "mimeType": "application/octet-stream", "buffer": shared}
        ]
    )
    tab.wait_for_function(
        "() => document.querySelector('.wb-upload').textContent.includes('after-the-interview.workbook')",
        timeout=15_000,
    )


@pytest.mark.parametrize("page", ["01_feel.ipynb", "app.ipynb#feel"], ids=_name)
def test_the_feeling_list_follows_typing_at_once_and_never_offers_a_stale_pick(demo, open_tab, page):
    """Issue 21: the feeling search lagged ~1 s behind typing, so the top item could be the
    wrong feeling; and "hope" listed "hopeless" before "hopeful"."""
    app, _slug = demo
    slug = app.new_workbook()
    tab = open_tab(1280)
    open_page(app, tab, page, slug)
    shown = tab.locator(".wb-page:visible")
    box = shown.get_by_label("Find a feeling")
    listed = shown.locator(".wb-feeling-list select")
    box.click()
    # read in the same task as the last key: no reply from the kernel can have come yet
    first = box.evaluate(
        """(box) => {
          for (const key of "hope") {
            box.value += key;
            box.dispatchEvent(new InputEvent("input", {bubbles: true, data: key}));
          }
          const list = box.closest(".wb-checkin").querySelector(".wb-feeling-list select");
          return {first: list.options[0]?.textContent, second: list.options[1]?.textContent,
                  pickable: !list.disabled};
        }"""
    )
    assert first == {"first": "hopeful", "second": "hopeless", "pickable": False}
    # once the kernel has answered this very search, the list is its own and can be picked from
    tab.wait_for_function(
        "(list) => !list.disabled && list.getAttribute('aria-busy') === 'false'", arg=listed.element_handle()
    )
    assert listed.evaluate("(list) => [...list.options].slice(0, 2).map((o) => o.textContent)") == [
        "hopeful",
        "hopeless",
    ]
    listed.select_option(label="hopeful")
    shown.get_by_role("button", name="Add this feeling").click()
    shown.get_by_text("How strong is 'hopeful'").wait_for(timeout=10_000)


def test_options_are_far_enough_apart_for_a_mouse(demo, open_tab):
    """WCAG 2.2's target size (2.5.8, axe's `target-size`, which Lighthouse runs and axe does
    not by default): on a laptop the reason's and the verdict's options were 20 px apart."""
    from axe_playwright_python.sync_playwright import Axe

    app, slug = demo
    tab = _open(app, slug, open_tab(1280), "app.ipynb#reason")
    found = Axe().run(tab, options={"runOnly": {"type": "rule", "values": ["target-size"]}}).response
    assert found["passes"], "the rule ran"
    assert [len(v["nodes"]) for v in found["violations"]] == [], found["violations"][0]["nodes"][:3]
