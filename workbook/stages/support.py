"""Stage 5 — Support: is this weighing on you, ways to get support, and a personal export.

A "yes" or "not sure" to the self-harm question shows the crisis resources at once, at the
top of the page and beside the question, before anything is saved and with no other click.
"""

from __future__ import annotations

import base64

import anywidget
import ipywidgets as w
import traitlets

from .. import content, model
from . import plain
from .forms import SingleForm, button, dropdown, form_and_list, text_area
from .markup import esc, titled
from .page import Page

STAGE = 5
URGENT_ANSWERS = ("yes", "not sure")
HEAVY_SPANS = ("months", "a year or more")
GAP = ' style="margin: 0.5rem 0"'  # the crisis box's own style sets paragraph margins to 0


def reflection(answers: dict) -> str | None:
    """Which message the answers call for: 'urgent', 'heavy', 'some', 'light', or None.

    Only known answers count; anything else is treated as not answered.
    """
    clean = {
        name: value if value in model.KINDS["weighing"].field_map[name].choices else None
        for name, value in answers.items()
        if name in model.KINDS["weighing"].field_map
    }
    if clean.get("self_harm") in URGENT_ANSWERS:
        return "urgent"
    if not any(clean.values()):
        return None
    if clean.get("how_long") in HEAVY_SPANS or "yes" in (clean.get("sleep"), clean.get("daily_life")):
        return "heavy"
    if "a little" in (clean.get("sleep"), clean.get("daily_life")) or clean.get("how_long") == "weeks":
        return "some"
    return "light"


def urgent_html() -> str:
    """The crisis resources, as shown at the top of the page when they are needed."""
    t = content.text("support")["urgent"]
    crisis = content.resources()["crisis"]
    return (
        f'<section class="wb-urgent wb-crisis" role="alert" aria-label="{esc(crisis["label"])}" '
        'style="border-width: 2px 2px 2px 6px">'
        f"<h2>{esc(t['title'])}</h2><p{GAP}>{esc(t['text'])}</p>"
        f'<p class="wb-crisis-line"{GAP}><strong>{esc(crisis["heading"])}</strong> '
        f"{content.crisis_line_html(crisis)}</p>"
        f"<p{GAP}>{esc(t['after'])}</p></section>"
    )


class NearNote(anywidget.AnyWidget):
    """Our own HTML (`value`, escaped by us) shown where the person is: when it changes to
    something, it is scrolled into view, just enough to be fully on the screen — so the
    crisis line under the self-harm question is never below the edge of a phone's screen.
    Drawn as it is when the page opens (no scrolling then)."""

    _esm = """
    export default { render({ model, el }) {
      el.className = "wb-near-note";
      const draw = () => { el.innerHTML = model.get("value"); };
      const changed = () => {
        draw();
        if (!model.get("value")) return;
        // two frames: the note's own "display" change arrives as a message of its own
        requestAnimationFrame(() => requestAnimationFrame(() => {
          if (el.offsetParent !== null) el.scrollIntoView({ block: "nearest" });
        }));
      };
      model.on("change:value", changed);
      draw();
      return () => model.off("change:value", changed);
    } };
    """
    value = traitlets.Unicode("").tag(sync=True)


def size_text(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


class SupportPage:
    """Builds Stage 5; `SupportPage(...).widget` is what the notebook shows."""

    def __init__(self, *, home=None, slug=None, session=None):
        self.page = page = Page(STAGE, session, home=home, slug=slug)
        self.t = content.text("support")
        self.urgent = plain.HTML(layout=w.Layout(display="none"))
        page.body.append(self.urgent)  # above everything else on the page
        page.body.append(plain.HTML(self.t["intro"]))
        self._weighing()
        self._options()
        self._export()
        self.widget = page.show()

    # -- is this weighing on you? --------------------------------------------------------------
    def _weighing(self) -> None:
        t = self.t["weighing"]
        blank = (t["blank"], "")  # shown as "— choose —"; saved as no answer
        spans = {
            "days": t["how_long_days"],
            "weeks": t["how_long_weeks"],
            "months": t["how_long_months"],
            "a year or more": t["how_long_year"],
        }
        yes_no = {"no": t["no"], "a little": t["a_little"], "yes": t["yes"]}
        harm = {"no": t["no"], "not sure": t["not_sure"], "yes": t["yes"]}
        self.answers = {
            "how_long": dropdown(t["how_long_label"], [blank, *((v, k) for k, v in spans.items())], ""),
            "sleep": dropdown(t["sleep_label"], [blank, *((v, k) for k, v in yes_no.items())], ""),
            "daily_life": dropdown(t["daily_life_label"], [blank, *((v, k) for k, v in yes_no.items())], ""),
            "self_harm": dropdown(t["self_harm_label"], [blank, *((v, k) for k, v in harm.items())], ""),
        }
        self.inline_urgent = NearNote(layout=w.Layout(display="none"))  # right under the question
        self.reflect = plain.HTML()
        # The crisis resources follow the answer itself, before (and whether or not) it is saved.
        for widget in self.answers.values():
            self.page.on_change(widget, lambda _v: self.update())
        self.form = SingleForm(self.page, "weighing", self.answers, what=t["saved"])
        self.update()
        self.page.on_refresh(self.update)  # the line of the person's country, once it is known
        children = []
        for name, widget in self.answers.items():
            children.append(widget)
            if name == "self_harm":
                children.append(self.inline_urgent)
        self.page.section(t["title"], esc(t["intro"]), *children, self.reflect)

    def update(self) -> None:
        """Show what the current answers call for: the crisis resources, and a reflection."""
        found = reflection({name: widget.value for name, widget in self.answers.items()})
        crisis = content.resources()["crisis"]
        if found == "urgent":
            self.urgent.value = urgent_html()
            self.urgent.layout.display = None
            self.inline_urgent.layout.display = None  # shown first: the note then scrolls into view
            self.inline_urgent.value = (
                f'<p class="wb-urgent-inline">{esc(self.t["weighing"]["inline_urgent"])} '
                f"<strong>{esc(crisis['heading'])}</strong> {content.crisis_line_html(crisis)}</p>"
            )
        else:
            self.urgent.value = ""
            self.urgent.layout.display = "none"
            self.inline_urgent.value = ""
            self.inline_urgent.layout.display = "none"
        self.reflect.value = (
            f'<p class="wb-note wb-reflect-{found}">{esc(self.t["reflect"][found])}</p>' if found else ""
        )

    # -- ways to get support -------------------------------------------------------------------
    def _options(self) -> None:
        t = self.t["options"]
        support = content.resources()["support"]
        options = support["options"]
        cards = "".join(f"<li><h3>{esc(o['title'])}</h3><p>{esc(o['text'])}</p></li>" for o in options)
        titles = {o["key"]: o["title"] for o in options}
        self.plan_form, self.plans = form_and_list(
            self.page,
            "support_plan",
            {
                "option": dropdown(
                    t["plan_label"], [(o["title"], o["key"]) for o in options], options[0]["key"]
                ),
                "note": text_area(t["note_label"], rows=2, placeholder=t["note_placeholder"]),
            },
            lambda e: titled(titles.get(e["option"], e["option"]), e["note"]),
            button=t["button"],
            saved=t["saved"],
            empty=t["none"],
        )
        self.page.section(
            t["title"],
            esc(support["intro"]),
            plain.HTML(f'<ul class="wb-options">{cards}</ul>'),
            self.plan_form.widget,
            self.plans.widget,
        )

    # -- take it with you ----------------------------------------------------------------------
    def _export(self) -> None:
        t = self.t["export"]
        self.export_button = button(t["button"], primary=True)
        self.download = plain.HTML()
        self.page.on_click(self.export_button, self.prepare_download)
        self.page.section(
            t["title"],
            esc(t["intro"]),
            self.export_button,
            self.download,
            plain.HTML(f'<p class="wb-hint">{esc(t["private"])}</p>'),
        )

    def prepare_download(self) -> bytes:
        """Build the export zip and offer it as a download link (no server route needed)."""
        from ..export import export_zip, file_name

        if self.page.wb is None:
            raise model.InvalidEntry(content.text("common")["need_workbook"])
        t = self.t["export"]
        data = export_zip(self.page.wb)
        href = "data:application/zip;base64," + base64.b64encode(data).decode("ascii")
        self.download.value = (
            f'<p role="status">{esc(t["ready"])} <a class="wb-download" download="{esc(file_name(self.page.wb))}" '
            f'href="{href}">{esc(t["link"].format(size=size_text(len(data))))}</a></p>'
        )
        self.page.saved(t["saved"])
        return data


def show(*, home=None, slug=None, session=None):
    """The Stage 5 widget (used by notebooks/05_support.ipynb)."""
    return SupportPage(home=home, slug=slug, session=session).widget
