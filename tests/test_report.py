"""Printable reports: every chosen stage, nothing else, user text escaped, offline."""

from __future__ import annotations

import html
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
    filled.put("checkin", {"ratings": {"sadness": 5}})
    filled.put("trait", {"name": "patience", "rating": 2, "domain": "personality"})
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
    # check-ins in Stage 1 and traits; one check-in (Stage 4) or one goal makes no chart
    assert page.count("<svg") == 2
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
    assert XSS not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


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


def test_a_report_reads_as_words_not_as_stored_fields(wb):
    from workbook.exchange import annotate

    wb.put("reflection", {"prompt": "hoped", "text": "A corner office."})
    wb.put("trait", {"name": "patience", "rating": 2, "domain": "personality", "note": "I wait well."})
    wb.put(
        "trait", {"name": "public speaking", "rating": -2, "domain": "skills and experience", "touched": True}
    )
    wb.put("trait", {"name": "humour", "rating": 0, "domain": "personality"})
    wb.put("case_point", {"side": "for", "text": "I rushed the talk."})
    wb.put("reason", {"status": "known", "text": "More experience."})
    wb.put("checkin", {"ratings": {"sadness": 7}})
    goal = wb.put("goal", {"title": "Speak up"})
    wb.put(
        "step", {"goal_id": goal.entry_id, "kind": "chance taken", "done_on": "2026-03-01", "text": "Spoke"}
    )
    annotate(wb, 0, "WHOLE-NOTE: you have come a long way.")
    page = html.unescape(report.report_html(wb))
    assert "What I hoped for or pictured" in page and "hoped<" not in page  # the question, not its key
    assert "A chance taken to use a new skill" in page
    for stored in ("Domain", "The reason touches this", "Rating", "Side", "Prompt", "Kind"):
        assert f">{stored}<" not in page
    assert "patience (+2, strength) — I wait well." in page
    assert "public speaking (−2, weakness)" in page and "humour (0, neither)" in page
    assert "What the reason touches" in page
    assert "For the reason" in page and "• I rushed the talk." in page
    assert "Yes, a reason was given" in page
    # the therapist's note on the whole workbook comes first, under its own heading
    assert page.index("WHOLE-NOTE") < page.index("1. Feel it")
    assert "on the whole workbook" in page
    assert page.count("<svg") == 1  # the traits; a single check-in makes no one-dot chart


def test_a_pdf_heading_never_stands_alone_at_the_foot_of_a_page(wb):
    for n in range(40):
        wb.put("letter", {"text": f"Letter {n}. " + "Some words to myself. " * (n % 7 + 1)})
        wb.put("quality", {"text": f"Quality {n}"})
        wb.put("kind_act", {"done_on": "2026-11-01", "text": f"Act {n}"})
    blocks = report.build(wb)
    pages: list[int] = []
    report.render_pdf(blocks, pages=pages)
    assert max(pages) > 2
    for i, block in enumerate(blocks[:-1]):
        if block.kind in ("h2", "h3", "rule"):
            assert pages[i] == pages[i + 1], f"'{block.text or block.label}' is alone at a page's foot"


def test_the_page_is_a_template_with_its_words_in_report_toml(filled, monkeypatch):
    from workbook import content

    words = content.text

    def text(page, *args, **kwargs):
        found = words(page, *args, **kwargs)
        return {**found, "title": "REPORT-TITLE {name}"} if page == "report" else found

    monkeypatch.setattr(content, "text", text)
    page = report.report_html(filled)
    assert "<title>REPORT-TITLE Test</title>" in page and "<h1>REPORT-TITLE Test</h1>" in page
    assert XSS not in page  # autoescaped: a person's text is never markup


@pytest.mark.parametrize("answer", ["yes", "not sure", "no"])
def test_the_crisis_line_stands_right_beside_a_self_harm_answer(wb, places, answer):
    wb.put("weighing", {"how_long": "weeks", "self_harm": answer})
    wb.set_meta("country", "GB")  # the person's country, saved with the workbook
    places.use_browser("en-US")  # the page's own browser says otherwise: the person's wins
    blocks = report.build(wb)
    at = next(i for i, b in enumerate(blocks) if b.label == "Thoughts of hurting myself")
    beside = blocks[at + 1]
    assert beside.kind == "crisis" and "116 123" in beside.text and beside.numbers == ("116 123",)
    page = report.report_html(wb)
    answered = page.index("Thoughts of hurting myself")
    near = page[answered : answered + 600]
    assert '<a class="wb-tel" href="tel:116123">116 123</a>' in near  # the very next thing
    assert page.count("tel:116123") == 1
    pages: list[int] = []
    pdf = report.render_pdf(blocks, pages=pages)
    assert b"tel:116123" in pdf  # the number in the PDF calls it too
    assert pages[at] == pages[at + 1]  # on the same page as the answer


def test_a_report_without_a_saved_country_follows_the_pages_rule(wb, places):
    wb.put("weighing", {"self_harm": "yes"})
    places.use_browser("es-MX")  # what every page does with the browser's language
    page = report.report_html(wb)
    assert 'lang="es"' in page
    assert '<a class="wb-tel" href="tel:8009112000">800 911 2000</a>' in page
    pdf_blocks = report.build(wb)
    assert any(b.kind == "crisis" and "800 911 2000" in b.text for b in pdf_blocks)


def test_the_crisis_line_in_a_report_is_escaped(wb, places, monkeypatch):
    monkeypatch.setenv(places.CRISIS_ENV, "<script>x</script> call 116 123")
    wb.put("weighing", {"self_harm": "not sure"})
    page = report.report_html(wb)
    assert "<script>x" not in page and "&lt;script&gt;x" in page
    assert '<a class="wb-tel" href="tel:116123">116 123</a>' in page


def test_no_crisis_line_where_nothing_was_said_about_self_harm(wb, places):
    wb.put("weighing", {"how_long": "weeks", "sleep": "a little"})
    assert not [b for b in report.build(wb) if b.kind == "crisis"]
    assert "tel:" not in report.report_html(wb)


# -- issue 21, item 11: words, not data --------------------------------------------------------
def test_stored_choices_are_shown_in_the_words_the_person_picked(wb, places):
    wb.put("rejection", {"kind": "job or career", "description": "Not chosen"})
    wb.put("weighing", {"how_long": "days", "sleep": "a little", "self_harm": "no"})
    wb.put("support_plan", {"option": "trusted people", "note": "Call Priya"})
    wb.put("process_plan", {"way": "movement or exercise", "plan": "Walk"})
    wb.put("boundary", {"type": "emotional", "plan": "Not check his page", "span": "for now"})
    for lang, said in (
        (
            "en",
            ("A job, promotion or work opportunity", "A few days", "A little", "People you trust", "For now"),
        ),
        ("es", ("Un trabajo", "Unos días", "Un poco", "Personas de confianza", "Por ahora")),
    ):
        places.set_language(lang)
        page = html.unescape(report.report_html(wb))
        for words in said:
            assert words in page, (lang, words)
        for code in ("job or career", ">days<", "trusted people", "a little<", "for now<", ">emotional<"):
            assert code not in page, (lang, code)


def test_each_question_from_the_therapist_is_listed_once_with_its_answer(wb):
    from workbook.exchange import add_prompt

    asked = add_prompt(wb, 2, "What felt unfair?")
    add_prompt(wb, 2, "What would a friend say?")
    wb.put("prompt_answer", {"prompt_id": asked.entry_id, "text": "That nobody told me why."})
    for blocks in (report.build(wb), report.build(wb, [2], title=False)):  # the report and the review
        fields = [(b.label, b.text) for b in blocks if b.kind == "field"]
        assert ("What felt unfair?", "That nobody told me why.") in fields
        assert ("What would a friend say?", "Not answered yet.") in fields
        said = " ".join(b.text + " " + b.label for b in blocks)
        assert said.count("What felt unfair?") == 1 and said.count("That nobody told me why.") == 1
        headings = [b.text for b in blocks if b.kind == "h3"]
        assert (
            "Questions from the therapist" in headings
            and "Answers to the therapist's questions" not in headings
        )


def test_pdf_text_is_left_aligned_never_justified(filled, monkeypatch):
    from fpdf import FPDF

    aligns = []
    real = FPDF.multi_cell

    def multi_cell(self, *args, **kwargs):
        aligns.append(str(kwargs.get("align", "J (the default)")))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(FPDF, "multi_cell", multi_cell)
    report.report_pdf(filled)
    assert aligns and all(a in ("L", "Align.L") for a in aligns), set(aligns)


def test_the_trait_chart_has_the_apps_colours_and_marks_in_the_pdf_too(wb):
    from fpdf import FPDF

    from workbook.charts.render import NEUTRAL, STRENGTH, WEAKNESS

    wb.put("trait", {"name": "patience", "rating": 2, "domain": "personality"})
    wb.put(
        "trait", {"name": "public speaking", "rating": -2, "domain": "skills and experience", "touched": True}
    )
    wb.put("trait", {"name": "humour", "rating": 0, "domain": "personality", "touched": True})
    [chart] = [b for b in report.build(wb, [2]) if b.kind == "chart"]
    svg = chart.svg
    assert STRENGTH in svg and WEAKNESS in svg and NEUTRAL in svg  # as workbook/charts/traits.py
    assert "#4a6fa5" not in svg and "#b8c7dd" not in svg  # not the report's old blues
    assert "public speaking ◆" in svg and "humour ◆" in svg and "patience ◆" not in svg
    assert 'stroke="white"' in svg  # the striped bar of a trait the reason touches
    assert "<path" in svg  # a touched 'neither' is a diamond, as in the app
    assert "Strengths" in svg and "Weaknesses" in svg and "◆ and stripes: the reason touches this" in svg
    assert svg.index("patience") < svg.index("humour") < svg.index("public speaking")  # strongest first
    # fpdf2 draws every shape of it (a chart it can't draw would be left out of the PDF silently)
    # with the report's own font, as render_pdf draws it
    fonts = report._font_files()
    if fonts is None:
        pytest.skip("no DejaVu fonts on this machine")
    pdf = FPDF()
    pdf.add_font("body", "", str(fonts[0]))
    pdf.add_page()
    pdf.image(io.BytesIO(report.pdf_svg(svg, "body").encode("utf-8")), w=160)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_stored_choice_has_words_in_a_report(places, lang):
    from workbook import model

    places.set_language(lang)
    words = report.picked_words()
    handled = report.SKIPPED_FIELDS | {("case_point", "side")}  # left out, or said by their own lines
    for kind in model.KINDS.values():
        for field in kind.fields:
            if field.type != "choice" or (kind.name, field.name) in handled:
                continue
            shown = words.get((kind.name, field.name), {})
            missing = [value for value in field.choices if not shown.get(value)]
            assert not missing, f"{kind.name}.{field.name}: {missing}"


def test_a_writing_session_stopped_early_is_reported_as_written(wb):
    from workbook.stages import feel

    page = feel.FeelPage()
    page.minutes.value = 15
    page.start_button.click()
    page.writing.value = "It still stings."
    page.timer.value = 30
    page.stop_button.click()
    fields = {b.label: b.text for b in report.build(wb, [1]) if b.kind == "field"}
    assert fields["Minutes written"] == "1" and "Finished" not in fields  # not "15" and "Finished: yes"
