"""Stage 5 — Support, driven in Python: the weighing questions, the crisis resources,
the support options and the personal download."""

from __future__ import annotations

import base64
import io
import re
import zipfile

import pytest

from workbook import content
from workbook.content import CRISIS_ENV
from workbook.stages.support import SupportPage, reflection
from workbook.store import WorkbookError

CRISIS = "988"


def _visible(widget) -> bool:
    return widget.layout.display != "none" and bool(widget.value)


def _all_html(widget) -> str:
    value = widget.value if widget.__class__.__name__ == "HTML" else ""
    return value + "".join(_all_html(child) for child in getattr(widget, "children", ()))


def _position(page_widget, target) -> int:
    """Where `target` sits among the page's top-level parts (0 = first)."""
    return list(page_widget.children).index(target)


def test_a_yes_to_self_harm_shows_the_crisis_resources_at_once_above_everything(wb):
    support = SupportPage()
    assert not _visible(support.urgent)

    support.answers["self_harm"].value = "yes"

    assert _visible(support.urgent)
    assert CRISIS in support.urgent.value and 'role="alert"' in support.urgent.value
    assert CRISIS in support.inline_urgent.value  # also right where the question was answered
    first_section = next(c for c in support.widget.children if "wb-section" in c._dom_classes)
    assert _position(support.widget, support.urgent) < _position(support.widget, first_section)
    assert wb.single("weighing")["self_harm"] == "yes"


def test_not_sure_also_shows_the_crisis_resources(wb):
    support = SupportPage()
    support.answers["self_harm"].value = "not sure"
    assert _visible(support.urgent)
    support.answers["self_harm"].value = "no"
    assert not _visible(support.urgent)
    assert not _visible(support.inline_urgent)


def test_the_crisis_resources_show_even_if_saving_fails(wb, monkeypatch):
    support = SupportPage()

    def busy(*_args, **_kwargs):
        raise WorkbookError("The workbook is busy in another window.")

    monkeypatch.setattr(support.page.wb, "put", busy)
    support.answers["self_harm"].value = "yes"
    assert _visible(support.urgent)
    assert "busy" in support.page.status.value


def test_an_earlier_yes_shows_the_crisis_resources_on_the_next_visit(wb):
    wb.put("weighing", {"self_harm": "yes"})
    support = SupportPage()
    assert support.answers["self_harm"].value == "yes"
    assert _visible(support.urgent)


def test_the_crisis_line_can_be_set_for_another_country(wb, monkeypatch):
    monkeypatch.setenv(CRISIS_ENV, "Call 116 123 (Samaritans, UK and Ireland).")
    content.resources.cache_clear()
    try:
        support = SupportPage()
        support.answers["self_harm"].value = "yes"
        assert "116 123" in support.urgent.value
        assert "988" not in support.urgent.value
    finally:
        content.resources.cache_clear()


def test_heavy_answers_encourage_a_licensed_professional_without_a_diagnosis(wb):
    support = SupportPage()
    assert "cannot give a diagnosis" in _all_html(support.widget)
    support.answers["how_long"].value = "months"
    assert "licensed professional" in support.reflect.value
    assert "isn&#x27;t a diagnosis" in support.reflect.value
    assert not _visible(support.urgent)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, None),
        ({"how_long": "days", "sleep": "no", "daily_life": "no", "self_harm": "no"}, "light"),
        ({"sleep": "a little"}, "some"),
        ({"daily_life": "yes"}, "heavy"),
        ({"how_long": "a year or more"}, "heavy"),
        ({"how_long": "days", "self_harm": "not sure"}, "urgent"),
        ({"self_harm": "<script>"}, None),  # only known answers count
    ],
)
def test_which_reflection_the_answers_call_for(answers, expected):
    assert reflection(answers) == expected


def test_support_options_are_neutral_and_a_plan_can_be_saved(wb):
    support = SupportPage()
    titles = [label for label, _key in support.plan_form.widgets["option"].options]
    assert "Therapy online or by phone" in titles and "A support group" in titles
    support.plan_form.widgets["option"].value = "support group"
    support.plan_form.widgets["note"].value = "Look for one that meets on weekday evenings."
    support.plan_form.button.click()
    (plan,) = wb.entries("support_plan")
    assert plan["option"] == "support group"
    row = support.plans.box.children[0].children[0].value
    assert "A support group" in row and "weekday evenings" in row


def test_the_download_link_holds_the_whole_workbook(wb):
    wb.put("letter", {"text": "Dear me, well done."})
    support = SupportPage()
    assert support.download.value == ""
    support.export_button.click()

    link = support.download.value
    found = re.search(r'download="([^"]+)" href="data:application/zip;base64,([^"]+)"', link)
    assert found, link
    assert found.group(1).endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(found.group(2)))) as zf:
        names = zf.namelist()
        assert "tables/letter.csv" in names and "workbook.json" in names
        assert "Dear me, well done." in zf.read("tables/letter.csv").decode("utf-8-sig")
    assert "Saved your download" in support.page.status.value
