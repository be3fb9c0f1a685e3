"""Stage 0 (start page) and Stage 1 (Feel it), driven in Python as a person would."""

from __future__ import annotations

import datetime as dt
import html

import pytest

from workbook.frames import frame
from workbook.stages import feel, kit, start
from workbook.stages.checkin import CheckIn, describe_checkin

XSS = "<img src=x onerror=alert(1)>"


def status(page) -> str:
    return html.unescape(page.status.value)


# -- start page ------------------------------------------------------------------------------
def test_start_page_creates_opens_and_renames_workbooks(home):
    page = start.StartPage()
    assert "No workbook is open yet" in page.page.header.value
    page.new_name.value = "After the interview"
    page.create_button.click()
    assert "Writing to the workbook <strong>After the interview</strong>" in page.page.header.value
    assert home.current() == "after-the-interview"
    page.new_name.value = "My sister"
    page.create_button.click()
    assert home.current() == "my-sister"
    page.choose.value = "after-the-interview"
    page.open_button.click()
    assert home.current() == "after-the-interview"
    assert "Now writing to “After the interview”" in status(page.page)
    page.rename_name.value = "The bakery job"
    page.rename_button.click()
    assert home.find("The bakery job").slug == "after-the-interview"
    assert "?workbook=after-the-interview" in page.progress.value


@pytest.mark.parametrize("bad", ["../../etc", "a/b", ""])
def test_start_page_refuses_path_like_names_calmly(home, bad):
    page = start.StartPage()
    page.new_name.value = bad
    page.create_button.click()
    assert "wb-problem" in status(page.page)
    assert "Traceback" not in status(page.page)
    assert page.new_name.value == bad  # what was typed stays
    assert home.list() == []


def test_start_page_shows_the_disclaimer_privacy_and_crisis_line(home):
    widget = start.show()
    text = " ".join(
        getattr(w, "value", "") or "" for w in _walk(widget) if isinstance(getattr(w, "value", ""), str)
    )
    assert "not a diagnosis or a treatment" in text
    assert "on this computer only" in text
    assert "988" in text
    assert "Feel it" in text and "minutes" in text


def test_crisis_line_can_be_set_for_another_country(home, monkeypatch):
    from workbook import content

    monkeypatch.setenv(content.CRISIS_ENV, "Call 116 123 (Samaritans, UK and Ireland).")
    content.resources.cache_clear()
    try:
        assert "116 123" in kit.crisis_html()
    finally:
        monkeypatch.delenv(content.CRISIS_ENV)
        content.resources.cache_clear()


def test_progress_shows_stages_started_and_done(wb):
    from workbook.progress import mark_done, stage_progress

    wb.put("checkin", {"ratings": {"anger": 4}, "stage": 1})
    wb.put("checkin", {"ratings": {"calm": 6}, "stage": 4})
    mark_done(wb, 1)
    states = {p.stage: p.state for p in stage_progress(wb)}
    assert states == {1: "done", 2: "not started", 3: "not started", 4: "started", 5: "not started"}
    html = start.StartPage()._progress_html()
    assert "wb-progress-done" in html and "wb-progress-started" in html


# -- which workbook a page writes to ------------------------------------------------------
def test_a_page_writes_to_the_workbook_in_its_link(home, monkeypatch):
    first = home.create("First").path.stem
    second = home.create("Second").path.stem
    home.set_current(first)
    monkeypatch.setenv("QUERY_STRING", f"workbook={second}")
    page = feel.FeelPage()
    assert page.page.wb.name == "Second"
    assert f"02_reason.ipynb?workbook={second}" in page.page.footer.value


def test_the_start_page_guides_by_where_the_person_is(home):
    page = start.StartPage()
    assert "Go to" not in page.page.header.value  # we are on Start here already
    assert "Your workbooks" in page.page.header.value
    page.new_name.value = "After the interview"
    page.create_button.click()
    assert "begin with" in page.progress.value and "01_feel" in page.progress.value
    wb = page.page.wb
    from workbook.progress import mark_done

    mark_done(wb, 1)
    page.refresh()
    assert "carry on with" in page.progress.value and "02_reason" in page.progress.value
    for stage in range(2, 6):
        mark_done(wb, stage)
    page.refresh()
    text = html.unescape(page.progress.value)
    assert "begin with" not in text and "all five stages done" in text and "06_journey" in text


def test_a_therapists_note_on_the_whole_workbook_is_on_the_start_page(wb):
    from workbook.exchange import annotate

    wb.set_meta("welcome_note", "Welcome, Alex.")
    annotate(wb, 0, "Go gently with Stage 2 <b>please</b>.")
    annotate(wb, 2, "A note for Stage 2 only.")
    page = start.StartPage()
    shown = page.note.value
    assert "Welcome, Alex." in shown
    assert "Go gently with Stage 2 &lt;b&gt;please&lt;/b&gt;." in shown  # escaped: data, never markup
    assert "notes on the whole workbook" in html.unescape(shown)
    assert "A note for Stage 2 only." not in shown


@pytest.mark.parametrize("query", ["workbook=../../etc/passwd", "workbook=nope", "workbook=%2Fetc"])
def test_a_hostile_link_opens_nothing_and_says_why(home, monkeypatch, query):
    home.set_current(home.create("Mine").path.stem)
    monkeypatch.setenv("QUERY_STRING", query)
    page = feel.FeelPage()
    assert page.page.wb is None
    assert "wb-problem" in page.page.header.value
    assert "Start here" in page.page.header.value


# -- Stage 1 --------------------------------------------------------------------------------
def test_naming_the_rejection_saves_each_change_at_once(wb):
    page = feel.FeelPage()
    page.kind.value = "job or career"
    page.happened_on.value = dt.date(2026, 11, 3)
    page.description.value = "They said they went with someone more senior. " + XSS
    saved = wb.single("rejection").data
    assert saved == {
        "kind": "job or career",
        "happened_on": "2026-11-03",
        "description": "They said they went with someone more senior. " + XSS,
    }
    assert "Saved what happened" in status(page.page)
    again = feel.FeelPage()  # a reload rebuilds the page from the store
    assert again.kind.value == "job or career"
    assert again.happened_on.value == dt.date(2026, 11, 3)
    assert again.description.value.endswith(XSS)


def test_a_giant_description_gets_a_message_and_the_earlier_text_is_kept(wb):
    page = feel.FeelPage()
    page.description.value = "First version."
    page.description.value = "x" * 5000
    assert "more than the" in status(page.page)
    assert wb.single("rejection")["description"] == "First version."


def test_check_in_from_the_vocabulary_and_own_words(wb):
    page = feel.FeelPage()
    checkin = page.checkin
    checkin.search.value = "lonel"
    assert checkin.choices.options == ("loneliness",) or "loneliness" in checkin.choices.options
    checkin.add_button.click()
    checkin.search.value = "gutted"
    assert "gutted" in checkin.add_button.description
    checkin.add_button.click()
    checkin.chosen["loneliness"].value = 8
    checkin.own_words.value = "Like the room got bigger."
    checkin.save_button.click()
    entry = wb.entries("checkin")[0]
    assert entry.data == {
        "ratings": {"loneliness": 8, "gutted": 5},
        "own_words": "Like the room got bigger.",
        "stage": 1,
    }
    assert checkin.chosen == {}
    assert "loneliness <strong>8</strong>" in checkin.past.box.children[0].children[0].value
    emotions = frame(wb, "emotions")
    assert set(emotions["emotion"]) == {"loneliness", "gutted"}


def test_check_ins_repeat_and_each_keeps_its_date(wb):
    page = feel.FeelPage()
    for word in ("anger", "relief"):
        page.checkin.add(word, 6)
        page.checkin.save_button.click()
    df = frame(wb, "checkin")
    assert len(df) == 2
    assert df["created_at"].is_monotonic_increasing
    assert len(page.checkin.past.box.children) == 2


def test_an_empty_check_in_gets_a_message(wb):
    page = feel.FeelPage()
    page.checkin.save_button.click()
    assert "Pick at least one feeling" in status(page.page)
    assert wb.entries("checkin") == []


def test_an_intensity_outside_0_to_10_never_reaches_the_store(wb):
    page = feel.FeelPage()
    page.checkin.add("shame")
    page.checkin.chosen["shame"].value = 11  # what a tampered page could send
    assert page.checkin.chosen["shame"].value == 10  # the widget clamps it
    page.checkin.save_button.click()
    assert wb.entries("checkin")[0]["ratings"] == {"shame": 10}


def test_a_check_in_in_progress_survives_a_closed_tab(wb):
    page = feel.FeelPage()
    page.checkin.add("confusion", 7)
    page.checkin.own_words.value = "half written"
    again = CheckIn(kit.Page(1), stage=1)
    assert {w: s.value for w, s in again.chosen.items()} == {"confusion": 7}
    assert again.own_words.value == "half written"


def test_past_check_ins_show_user_text_as_text(wb):
    entry = wb.put("checkin", {"ratings": {"anger": 3}, "own_words": XSS})
    html = describe_checkin(entry)
    assert XSS not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_ways_to_process_can_be_planned_and_logged(wb):
    page = feel.FeelPage()
    page.plan_form.widgets["way"].value = "movement or exercise"
    page.plan_form.widgets["plan"].value = "A walk after work, Tuesdays."
    page.plan_form.button.click()
    page.log_form.widgets["way"].value = "movement or exercise"
    page.log_form.widgets["note"].value = "Felt lighter."
    page.log_form.button.click()
    assert wb.single("process_plan")["plan"] == "A walk after work, Tuesdays."
    log = wb.entries("process_log")[0]
    assert log["done_on"] == dt.date.today().isoformat()
    assert page.plan_form.widgets["plan"].value == ""  # ready for the next one
    assert "Felt lighter." in page.logs.box.children[0].children[0].value


def test_removing_an_entry_can_be_undone(wb):
    page = feel.FeelPage()
    page.plan_form.widgets["plan"].value = "Draw for ten minutes."
    page.plan_form.button.click()
    remove = page.plans.box.children[0].children[1]
    remove.click()
    assert wb.entries("process_plan") == []
    assert page.plans.undo.layout.display is None
    page.plans.undo.click()
    assert [e["plan"] for e in wb.entries("process_plan")] == ["Draw for ten minutes."]


def test_guided_writing_is_kept_per_prompt(wb):
    page = feel.FeelPage()
    page.answers["hoped"].widget.value = "A long summer together."
    page.answers["lost"].widget.value = "Our Sunday calls."
    page.answers["hoped"].widget.value = "A long summer together, and more."
    reflections = {e["prompt"]: e["text"] for e in wb.entries("reflection")}
    assert reflections == {"hoped": "A long summer together, and more.", "lost": "Our Sunday calls."}
    assert len(wb.history(kind="reflection")) == 3
    assert feel.FeelPage().answers["lost"].widget.value == "Our Sunday calls."


def test_timed_writing_session_saves_as_you_write_and_ends_kindly(wb):
    page = feel.FeelPage()
    page.minutes.value = 10
    page.perspective.value = "you"
    page.start_button.click()
    assert page.timer.playing and page.timer.max == 600
    assert "10 min 00 s left" in page.clock.value
    page.writing.value = "You walked out of that room"
    session = wb.entries("writing_session")[0]
    assert session.data["text"] == "You walked out of that room"
    assert session.data["perspective"] == "you"
    page.timer.value = 300
    assert "5 min 00 s left" in page.clock.value
    page.timer.value = 600
    assert wb.get(session.entry_id)["finished"] is True
    assert "Time's up" in html.unescape(page.clock.value)
    assert not page.timer.playing
    assert "You walked out of that room" in page.sessions.box.children[0].children[0].value


def test_a_writing_session_can_be_stopped_early(wb):
    page = feel.FeelPage()
    page.start_button.click()
    page.writing.value = "Not today."
    page.stop_button.click()
    assert "You stopped — that's fine" in html.unescape(page.clock.value)
    assert wb.entries("writing_session")[0]["finished"] is False  # stopped is not finished


def test_an_unexpected_error_is_logged_and_shown_calmly(wb, home, monkeypatch):
    page = feel.FeelPage()

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(page.page.wb, "put", broken)
    page.kind.value = "friend"
    assert "Something went wrong on our side" in status(page.page)
    assert "disk on fire" not in status(page.page)
    assert "disk on fire" in home.log_path.read_text()


def test_a_page_with_no_workbook_points_to_the_start_page(home):
    page = feel.FeelPage()
    assert page.page.wb is None
    assert "No workbook is open yet" in page.page.header.value
    assert len(page.widget.children) == 4  # style, help, header, footer: nothing to lose


def test_every_page_ends_with_the_ready_marker_and_the_crisis_line(wb):
    widget = feel.show()
    last = widget.children[-1]
    assert kit.READY_CLASS in last._dom_classes
    assert "988" in last.value


def test_marking_the_stage_done(wb):
    page = feel.FeelPage()
    done = [w for w in page.widget.children if w.__class__.__name__ == "Checkbox"][0]
    done.value = True
    from workbook.progress import stage_progress

    assert stage_progress(wb)[0].done


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_long_lists_show_the_newest_few_until_asked(wb):
    from workbook.stages.kit import LIST_LIMIT

    for n in range(LIST_LIMIT + 3):
        wb.put("process_log", {"way": "journaling", "done_on": "2026-11-01", "note": f"entry {n}"})
    logs = feel.FeelPage().logs
    assert len(logs.box.children) == LIST_LIMIT
    assert f"entry {LIST_LIMIT + 2}" in logs.box.children[0].children[0].value  # newest first
    assert logs.more.description == f"Show all {LIST_LIMIT + 3}"
    logs.more.click()
    assert len(logs.box.children) == LIST_LIMIT + 3
    assert logs.more.description == "Show fewer"


def test_a_stage_the_therapist_left_out_says_so_but_still_works(wb):
    wb.set_meta("stages_on", [2, 3])
    page = feel.FeelPage()
    texts = " ".join(
        getattr(c, "value", "") for c in page.widget.children if isinstance(getattr(c, "value", None), str)
    )
    assert "left this stage out of the plan" in html.unescape(texts)
    assert 'class="wb-current wb-off"' in page.page.header.value
    assert 'class="wb-off"' in page.page.header.value  # Stages 4 and 5 are dimmed too
    page.kind.value = "friend"
    assert wb.single("rejection")["kind"] == "friend"


def test_a_refused_field_never_blocks_the_others(wb):
    page = feel.FeelPage()
    page.description.value = "first words"
    page.happened_on.value = dt.date(1850, 1, 1)  # refused: out of range
    assert "out of range" in status(page.page)
    page.description.value = "first words, and more"
    assert wb.single("rejection")["description"] == "first words, and more"
    assert wb.single("rejection")["happened_on"] is None


def test_writing_waiting_for_a_pause_is_saved_when_the_kernel_exits(wb, monkeypatch):
    import asyncio

    loop = asyncio.new_event_loop()
    monkeypatch.setattr(kit, "_kernel_loop", lambda: loop)  # as if inside a kernel
    try:
        page = feel.FeelPage()
        page.description.value = "typed just before the tab closed"
        assert wb.single("rejection") is None  # still waiting for a pause in the typing
        kit.flush_waiting_saves()  # what happens when the kernel process exits
        assert wb.single("rejection")["description"] == "typed just before the tab closed"
        assert kit._WAITING_SAVES == {}
    finally:
        loop.close()


def test_a_link_stuffed_with_fields_is_treated_as_no_link(home, monkeypatch):
    home.set_current(home.create("Mine").path.stem)
    monkeypatch.setenv("QUERY_STRING", "&".join(f"f{n}=x" for n in range(50)) + "&workbook=mine")
    page = feel.FeelPage()
    assert page.page.wb is not None and page.page.wb.name == "Mine"  # the current one, calmly


def test_searching_a_feeling_adds_what_was_searched_never_an_unseen_first_match(wb):
    checkin = feel.FeelPage().checkin
    checkin.search.value = "calm"
    assert checkin.choices.options[0] == "calm"  # the word itself, first and highlighted
    assert checkin.choices.value == "calm"
    checkin.add_button.click()
    assert list(checkin.chosen) == ["calm"]
    # several matches and none is the word typed: nothing is picked behind the person's back
    checkin.search.value = "ful"
    assert len(checkin.choices.options) > 1 and checkin.choices.value is None
    checkin.add_button.click()
    assert list(checkin.chosen) == ["calm"]
    assert "Pick the one that fits" in status(checkin.page)
    picked = checkin.choices.options[1]
    checkin.choices.value = picked
    checkin.add_button.click()
    assert list(checkin.chosen) == ["calm", picked]


def test_an_unused_writing_session_leaves_no_entry(wb):
    page = feel.FeelPage()
    page.start_button.click()
    assert wb.entries("writing_session") == []  # nothing written yet, nothing listed
    assert "wb-empty" in page.sessions.box.children[0].value
    page.stop_button.click()
    assert wb.entries("writing_session") == []
    # written, then all rubbed out before the end: nothing is kept either
    page.start_button.click()
    page.writing.value = "Maybe"
    assert len(wb.entries("writing_session")) == 1
    page.writing.value = "  "
    page.stop_button.click()
    assert wb.entries("writing_session") == []


# -- issue 21, item 6 ------------------------------------------------------------------------
def test_a_session_stopped_after_30_seconds_keeps_the_time_really_written(wb):
    page = feel.FeelPage()
    page.minutes.value = 15
    page.start_button.click()
    page.writing.value = "It still stings."
    page.timer.value = 30  # the clock has run 30 s
    page.stop_button.click()
    [session] = wb.entries("writing_session")
    assert session["minutes"] == 1 and session["finished"] is False
    row = html.unescape(page.sessions.box.children[0].children[0].value)
    assert "15 min" not in row and "Stopped early, after 1 min or less" in row
    # a session that ran its whole time is finished, with the minutes planned
    page.minutes.value = 10
    page.start_button.click()
    page.writing.value = "All of it."
    page.timer.value = 600
    finished = [e for e in wb.entries("writing_session") if e["text"] == "All of it."][0]
    assert finished["minutes"] == 10 and finished["finished"] is True
    assert "10 min, as" in html.unescape(page.sessions.box.children[0].children[0].value)


def test_a_session_left_mid_way_keeps_the_minutes_written_so_far(wb):
    page = feel.FeelPage()
    page.minutes.value = 20
    page.start_button.click()
    page.timer.value = 190
    page.writing.value = "Three minutes in."
    [session] = wb.entries("writing_session")
    assert session["minutes"] == 4 and session["finished"] is False  # the tab closed here


def test_undo_remove_goes_once_a_new_check_in_is_saved(wb):
    page = feel.FeelPage()
    page.checkin.add("anger", 6)
    page.checkin.save_button.click()
    page.checkin.past.box.children[0].children[1].click()  # Remove
    assert page.checkin.past.undo.layout.display is None
    page.checkin.add("relief", 4)
    page.checkin.save_button.click()
    assert page.checkin.past.undo.layout.display == "none"
    page.checkin.past.undo.click()  # even a stale click brings nothing back
    assert [list(e["ratings"]) for e in wb.entries("checkin")] == [["relief"]]


def test_undo_remove_of_a_writing_session_goes_once_a_new_one_starts(wb):
    page = feel.FeelPage()
    page.start_button.click()
    page.writing.value = "First."
    page.stop_button.click()
    page.sessions.box.children[0].children[1].click()
    assert page.sessions.undo.layout.display is None
    page.start_button.click()
    assert page.sessions.undo.layout.display == "none"


def _listed(checkin) -> list[str]:
    return [option if isinstance(option, str) else option[1] for option in checkin.choices.options]


def test_feeling_search_lists_the_nearest_word_first_and_the_milder_of_two_alike(wb):
    """Issue 21: "hope" listed "hopeless" before "hopeful". The word itself, then words that
    start with it (the shortest first: the nearest guess at the word being typed; of the same
    length, the milder), then words containing it, then the rest of its family."""
    checkin = feel.FeelPage().checkin
    checkin.search.value = "hope"
    listed = _listed(checkin)
    assert listed[:2] == ["hopeful", "hopeless"]
    assert set(listed[2:]) >= {"determined", "encouraged"}  # the hope family, after the words
    checkin.search.value = "calm"
    assert _listed(checkin)[0] == "calm"  # the word itself, picked by itself
    assert checkin.choices.value == "calm"
    checkin.search.value = "lone"
    assert _listed(checkin)[0] == "loneliness"


def test_match_rank_orders_exact_prefix_word_start_then_substring():
    from workbook.stages.search import match_rank

    labels = ["left out", "outraged", "hopeless", "hopeful", "without", "out"]
    ranked = sorted((r, label) for label in labels if (r := match_rank("out", label)) is not None)
    assert [label for _r, label in ranked] == ["out", "outraged", "left out", "without"]
    assert match_rank("hope", "hopeful", mildness=2) < match_rank("hope", "hopeless", mildness=-3)
    # of the same length, the milder first
    assert match_rank("x", "xab", mildness=2) < match_rank("x", "xcd", mildness=-3)
    assert match_rank("zz", "calm") is None


# -- issue 21, item 4: a note brought in while the app waited ------------------------------------
@pytest.mark.parametrize("search", ["", "?workbook=test"])
def test_the_start_page_shows_a_whole_workbook_note_brought_in_before_the_page_was_opened(wb, home, search):
    """The app is built before anyone asks for it (a preheated kernel, made when the last page
    was opened). A note on the whole workbook brought in meanwhile (`open-return`, in another
    process) is on the start page, even when the reload was on another stage."""
    from workbook import exchange
    from workbook.stages import app as shell
    from workbook.store import Home

    app = shell.App(home=home.path)  # preheated: built with the start page, nobody connected yet
    with Home(home.path).open(wb.path.stem) as other:  # the command line, in another process
        exchange.annotate(other, 0, "Lovely work this week.")
    app.go("reason", search)  # the reload, on another stage
    app.go("start")  # "Start here"
    texts = [getattr(w, "value", "") for w in shell._reachable(app.shown["start"].widget).values()]
    assert any("Lovely work this week." in t for t in texts if isinstance(t, str))


def test_every_undo_on_the_page_goes_once_something_new_is_added(wb):
    page = feel.FeelPage()
    page.plan_form.widgets["plan"].value = "Draw for ten minutes."
    page.plan_form.button.click()
    page.checkin.add("anger", 6)
    page.checkin.save_button.click()
    page.plans.box.children[0].children[1].click()  # remove the plan...
    assert page.plans.undo.layout.display is None
    page.checkin.add("relief", 3)
    page.checkin.save_button.click()  # ...then do something else: a new check-in
    assert page.plans.undo.layout.display == "none"
    page.checkin.past.box.children[0].children[1].click()  # remove a check-in...
    page.log_form.widgets["note"].value = "Walked by the river."
    page.log_form.button.click()  # ...then log a way to process
    assert page.checkin.past.undo.layout.display == "none"
