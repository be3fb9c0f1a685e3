"""What every page must be, checked on a page already open: nothing needs or offers the
network, nothing scrolls sideways, every control is on a phone's screen and big enough to
tap, and the page's frame is whole. test_screens runs them all on one load of each page at
each width (loading a page is most of a browser test's time)."""

from __future__ import annotations

import re

from .helpers import here

TOUCH = 44  # px: the smallest comfortable touch target
LOCAL = re.compile(r"^(https?|wss?)://127\.0\.0\.1[:/]")

# Boxes on the page that scroll sideways (something inside them is wider than they are): on a
# phone a swipe moves what is inside, clipping its left edge, and a keyboard can't reach them.
SIDEWAYS_JS = """
() => [...document.querySelectorAll(".wb-page, .wb-page *")]
  .filter((el) => !el.closest(".wb-visually-hidden, .js-plotly-plot") && !el.ownerSVGElement)
  .filter((el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX))
  .filter((el) => el.scrollWidth > el.clientWidth + 0.5 && el.tagName !== "TEXTAREA"
    && el.tagName !== "SELECT" && el.tagName !== "INPUT")
  .map((el) => el.tagName.toLowerCase() + "." + String(el.className).split(" ").slice(-2).join(".")
    + ` (${el.scrollWidth} > ${el.clientWidth})`)
"""

# Every visible, enabled control, marked with data-phone-check="n" so the test can reach it
# (the marks of an earlier check, on a page now hidden in the app, are taken off first);
# its box, and the box a finger aims at (a checkbox's or radio button's whole label).
CONTROLS_JS = """
() => {
  for (const old of document.querySelectorAll("[data-phone-check]")) delete old.dataset.phoneCheck;
  const found = [];
  const all = document.querySelectorAll("input, select, textarea, button, [role=slider]");
  for (const el of all) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === "hidden") continue;
    if (el.disabled || el.closest(".wb-visually-hidden")) continue;
    el.dataset.phoneCheck = String(found.length);
    const label = (el.type === "checkbox" || el.type === "radio") && el.closest("label");
    const target = (label || el).getBoundingClientRect();
    const name = (el.labels && el.labels[0] && el.labels[0].textContent) || el.textContent
      || el.getAttribute("aria-label") || el.placeholder || el.type;
    found.push({
      n: found.length, name: name.trim().slice(0, 50), tag: el.tagName.toLowerCase(),
      left: box.left, right: box.right, touch: target.height,
    });
  }
  return found;
}
"""

# The controls CONTROLS_JS marked that something else covers once scrolled to the middle of
# the screen: the name of each, and of what covers it.
COVERED_JS = """
() => [...document.querySelectorAll("[data-phone-check]")].flatMap((el) => {
  el.scrollIntoView({ block: "center", inline: "center" });
  const box = el.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  const own = hit && (el.contains(hit) || [...(el.labels || [])].some((label) => label.contains(hit)));
  return own ? [] : [`${el.tagName.toLowerCase()} "${el.dataset.phoneCheck}" under ${hit ? hit.outerHTML.slice(0, 80) : "nothing"}`];
})
"""

# Anything on the page drawn past the right edge of the screen (an SVG counts as one box).
TOO_WIDE_JS = """
(width) => [...document.querySelectorAll(".wb-page *")]
  .filter((el) => !el.closest(".wb-visually-hidden") && !(el.ownerSVGElement))
  .filter((el) => el.checkVisibility({ checkVisibilityCSS: true, visibilityProperty: true }))
  .filter((el) => { const b = el.getBoundingClientRect(); return b.width > 0 && b.right > width + 1; })
  .map((el) => el.tagName.toLowerCase() + "." + String(el.className).split(" ").slice(0, 2).join("."))
  .slice(0, 10)
"""

# Every address the page points to: links (HTML and SVG), forms, frames and embedded files.
ADDRESSES_JS = """
() => {
  const found = [];
  const add = (value) => { if (value) found.push(new URL(value, location.href)); };
  for (const a of document.querySelectorAll("a")) add(a.getAttribute("href") || a.getAttribute("xlink:href"));
  for (const f of document.querySelectorAll("form")) add(f.getAttribute("action"));
  for (const el of document.querySelectorAll("iframe, img, script, source, embed, video, audio")) {
    add(el.getAttribute("src"));
  }
  for (const el of document.querySelectorAll("link[href], object[data]")) {
    add(el.getAttribute("href") || el.getAttribute("data"));
  }
  // a crisis number (tel:) calls it on the phone: no way out to the network
  return found.filter((u) => !["data:", "blob:", "tel:"].includes(u.protocol) && u.origin !== location.origin)
    .map((u) => u.href);
}
"""


class Offline:
    """A browser context with the network cut off: every request that does not go to
    127.0.0.1 is aborted and kept (`outside`), as is every request that failed (`failed`)."""

    def __init__(self, context):
        self.outside: list[str] = []
        self.failed: list[str] = []
        context.route(lambda url: not LOCAL.match(url) and not url.startswith("data:"), self._block)
        context.on("requestfailed", lambda request: self.failed.append(f"{request.url} ({request.failure})"))

    def _block(self, route) -> None:
        self.outside.append(route.request.url)
        route.abort()

    def check(self, tab) -> None:
        tab.wait_for_timeout(300)  # late requests (fonts, lazy chunks) would show up here
        assert self.outside == [], "the page asked for something outside this computer"
        assert self.failed == []


def sideways(tab) -> list[str]:
    """The boxes on the page that scroll sideways ([] when none does)."""
    return tab.evaluate(SIDEWAYS_JS)


def frame_is_whole(tab) -> None:
    """One page on screen, its heading, one navigation bar, the app's name, no error output,
    and no loading message left."""
    assert tab.locator("#loading").count() == 0  # the loading message is gone
    assert here(tab).locator("h1").first.is_visible()
    assert here(tab).count() == 1  # one page on screen
    assert here(tab).locator("nav.wb-nav a").count() >= 1  # one navigation bar, with links
    assert here(tab).locator('.wb-nav a[aria-current="page"]').count() <= 1
    assert tab.locator('[data-mime-type="application/vnd.jupyter.stderr"]').count() == 0
    assert tab.get_by_text("Rejection Workbook", exact=True).is_visible()


def controls_fit_a_phone(tab, width: int) -> int:
    """Every control is on a `width` px screen, at least TOUCH px tall to a finger, and can
    be tapped (scrolled to, nothing covering it); returns how many were checked."""
    controls = tab.evaluate(CONTROLS_JS)
    off_screen = [c for c in controls if c["left"] < -0.5 or c["right"] > width + 0.5]
    assert off_screen == [], f"drawn past the edge of a {width} px screen: {off_screen}"
    too_small = [c for c in controls if c["touch"] < TOUCH - 0.5]
    assert too_small == [], f"touch targets under {TOUCH} px at {width} px: {too_small}"
    too_wide = tab.evaluate(TOO_WIDE_JS, width)
    assert too_wide == [], f"drawn past the edge of a {width} px screen: {too_wide}"
    assert tab.evaluate("document.documentElement.scrollWidth") <= width, f"wider than a {width} px screen"
    # Each scrolled to, and what is under its middle is the control (or its label): not
    # covered by anything, the "Need help now?" link included. In one call, not a trial click
    # per control (Playwright's way took 3-4 s a page).
    covered = tab.evaluate(COVERED_JS)
    assert covered == [], f"covered by something else: {covered}"
    return len(controls)


def no_way_out(tab) -> None:
    """No link, form or embedded file on the page leads outside this computer, and no chart's
    mode bar offers to share or upload it: only to save the picture here."""
    assert tab.evaluate(ADDRESSES_JS) == []
    charts = here(tab).locator(".wb-chart .js-plotly-plot")
    for n in range(charts.count()):
        charts.nth(n).hover()  # shows the chart's mode bar
        charts.nth(n).locator(".modebar").wait_for(timeout=5_000)
    titles = tab.evaluate(
        "() => [...document.querySelectorAll('.modebar-btn, .modebar a')]"
        ".map((b) => b.getAttribute('data-title') || b.getAttribute('aria-label') || b.textContent)"
    )
    assert [
        t for t in titles if any(word in t.lower() for word in ("share", "cloud", "studio", "plotly"))
    ] == []
    if charts.count():
        assert "Download plot as a PNG" in titles  # what is left: saving the picture here
        context = charts.first.evaluate(
            "(plot) => ({server: plot._context.plotlyServerURL, cloud: plot._context.showSendToCloud,"
            " env: (window.PLOTLYENV || {}).BASE_URL || ''})"
        )
        assert context == {"server": "", "cloud": False, "env": ""}
