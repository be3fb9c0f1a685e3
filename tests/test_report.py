"""Printable reports: every chosen stage, nothing else, user text escaped, offline."""

from __future__ import annotations

import io
import zipfile

import pytest

from workbook import report

XSS = "<script>alert('x')</script>"


@pytest.fixture
def filled(wb):
    wb.put("rejection", {"kind": "job or career", "description": "Not chosen " + XSS})
    wb.put("checkin", {"ratings": {"sadness": 7, "anger": 2}})
    wb.put("checkin", {"ratings": {"sadness": 3}, "stage": 4})
    wb.put("trait", {"name": "public speaking", "rating": -2, "domain": "skills and experience"})
    goal = wb.put("goal", {"title": "Give one talk"})
    wb.put("step", {"goal_id": goal.entry_id, "kind": "step", "done_on": "2026-03-01", "text": "Wrote notes"})
    wb.put("letter", {"text": "Dear me, LETTER-TEXT"})
    wb.put("support_plan", {"option": "SUPPORT-GROUP"})
    wb.put("therapist_note", {"stage": 2, "text": "NOTE-TWO"}, author="therapist")
    return wb


def test_every_stage_by_default_with_charts_and_no_outside_files(filled):
    page = report.report_html(filled)
    for text in (
        "Not chosen",
        "public speaking",
        "Give one talk",
        "LETTER-TEXT",
        "SUPPORT-GROUP",
        "NOTE-TWO",
    ):
        assert text in page
    assert page.count("<svg") == 4  # check-ins (stages 1 and 4), traits, goals
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page
    assert "<script" not in page


def test_only_the_shared_stages_and_nothing_else(filled):
    page = report.report_html(filled, [1, 2])
    assert "Not chosen" in page and "public speaking" in page and "NOTE-TWO" in page
    for text in ("Give one talk", "LETTER-TEXT", "SUPPORT-GROUP", "sadness 3"):
        assert text not in page
    assert "sadness 7" in page


def test_user_text_is_escaped(filled):
    page = report.report_html(filled, [1])
    assert XSS not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_pdf_holds_the_same_stages(filled):
    pdf = report.report_pdf(filled, [1, 2])
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    blocks = report.build(filled, [1, 2])
    assert [b.text for b in blocks if b.kind == "h2"] == ["1. Feel it", "2. Look at the reason"]


def test_zip_has_report_pdf_and_csv_of_shared_stages_only(filled):
    with zipfile.ZipFile(io.BytesIO(report.report_zip(filled, [4]))) as zf:
        names = zf.namelist()
        assert {"report.html", "report.pdf", "tables/letter.csv"} <= set(names)
        assert "LETTER-TEXT" in zf.read("tables/letter.csv").decode("utf-8-sig")
        assert "Not chosen" not in zf.read("tables/rejection.csv").decode("utf-8-sig")
        assert zf.read("tables/checkin.csv").decode("utf-8-sig").count("sadness") == 1
