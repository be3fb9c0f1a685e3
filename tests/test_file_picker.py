"""A file picker says, in plain words beside it, which file was chosen (issue 21, item 12)."""

from __future__ import annotations

import datetime as dt

from workbook.stages import practice, start
from workbook.stages.plain import HTML


def _choose(upload, name: str, data: bytes = b"...") -> None:
    """Set the picker's value as the browser does when a file is chosen."""
    upload.value = (
        {
            "name": name,
            "type": "",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": dt.datetime.now(dt.UTC),
        },
    )


def _shown_after(box, widget):
    children = list(box.children)
    return children[children.index(widget) + 1]


def _all_children(widget):
    for child in getattr(widget, "children", ()):
        yield child
        yield from _all_children(child)


def test_the_start_page_says_which_file_was_chosen_and_forgets_it_when_cleared(home):
    section = start.StartPage().therapist
    upload = section.start_upload
    line = next(c for c in _all_children(section.widget) if c is getattr(upload, "chosen", None))
    assert isinstance(line, HTML) and line.value == ""  # nothing chosen yet: nothing said
    _choose(upload, "sam-stage-2.share")
    assert "Chosen: sam-stage-2.share" in line.value
    assert 'role="status"' in line.value  # read out when a file is chosen
    upload.value = ()
    assert line.value == ""


def test_the_chosen_line_stands_right_after_its_picker_and_keeps_a_name_as_text(home):
    desk = practice.Practice()
    assert _shown_after(desk.import_box, desk.upload) is desk.upload.chosen
    _choose(desk.upload, "<b>jo</b>.rwshare")
    assert "Chosen: &lt;b&gt;jo&lt;/b&gt;.rwshare" in desk.upload.chosen.value
