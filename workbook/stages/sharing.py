"""The client's side of working with a therapist, as page sections.

- `TherapistSection(page, by_server=..., on_workbook=...)` — on the start page: start from a
  therapist's file, share chosen stages, open a notes file.
- `share_section(page)` — just the "share with your therapist" part, for any page
  (e.g. Stage 5): one call, `sharing.share_section(page)`.

Files come in through a FileUpload and go out as a data-URI download link: no server
route is needed. Every file is checked completely before anything is written. The files
are made and read by `workbook.transport.FILES` (on a practice server too, where sending
through the server is `hubshare`'s and files stay for when one is wanted).
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w

from .. import exchange, formats, transport
from ..registry import PRACTICE_NOTEBOOK
from ..share import NeedsPassphrase, ShareError
from ..store import WorkbookError
from . import plain
from .forms import StagePicker, action, button, text_line
from .handover import (
    DraftCheck,
    NewPassphrase,
    Working,
    download_link,
    file_picker,
    heading,
    passphrase_box,
    uploaded,
    words,
)
from .handover import unsaved_writing as unsaved_writing  # tests and older code import it from here
from .markup import esc
from .page import Page


class ShareBox:
    """Choose stages, an optional passphrase, and make the share file (a download link)."""

    def __init__(self, page: Page, *, by_server: bool | None = None):
        self.page = page
        t = words()["sharing"]
        self.t = t
        if by_server is None:  # a page that hasn't chosen yet (Stage 5's share section)
            by_server = transport.chosen().by_server
        help_text = t["share_help_server"] if by_server else t["share_help"]  # where the rest stays
        self.picker = StagePicker(
            f"<p>{esc(help_text)}</p><p><strong>{esc(t['share_stages'])}</strong></p>", checked=False
        )
        self.stages = self.picker.boxes
        self.passphrase = NewPassphrase()
        self.button = button(t["share_button"], primary=True)
        self.working = Working()
        self.drafts = DraftCheck()
        page.on_click(self.button, self.make, near=self.working.text)
        self.widget = plain.VBox(
            [
                self.picker.widget,
                *self.passphrase.widgets,
                plain.HTML(f'<p class="wb-hint">{esc(t["passphrase_help"])}</p>'),
                self.button,
                self.working.widget,
            ]
        )
        self.widget.add_class("wb-share-box")

    def make(self) -> bytes:
        wb = self.page.wb
        if wb is None:
            raise WorkbookError(self.t["need_workbook"])
        chosen = [s for s, box in self.stages.items() if box.value]
        exchange.check_stages(chosen)
        passphrase = self.passphrase.value()
        self.drafts.check(wb, chosen)  # nothing leaves while writing would silently stay behind
        self.working.step(0.2, self.t["working"])
        try:
            made = transport.FILES.send_share(wb, chosen, passphrase=passphrase)
        except BaseException:
            self.working.done()
            raise
        name = made.file_name
        self.passphrase.clear()
        self.working.done(
            f'<p role="status">{esc(self.t["share_ready"])} '
            f"{download_link(made.data, name, self.t['download'].format(file=name))}</p>"
        )
        return made.data


def share_section(page: Page) -> ShareBox:
    """Add the 'share with your therapist' section to `page` (one call, e.g. on Stage 5)."""
    box = ShareBox(page)
    page.section(words()["sharing"]["share_title"], "", box.widget)
    return box


class TherapistSection:
    """The start page's 'working with a therapist' section: start from a file, share, open notes."""

    def __init__(self, page: Page, *, by_server: bool = False, on_workbook: Callable[[], None] | None = None):
        self.page = page
        self.on_workbook = on_workbook or (lambda: None)
        t = words()["sharing"]
        self.t = t
        # start from a therapist's file
        self.start_upload = file_picker()
        self.start_upload.description = t["start_choose"]  # each file picker says which file
        self.start_name = text_line(t["start_name"])
        # messages beside the button pressed
        self.start_button, self.start_status = action(page, t["start_button"], self.start, primary=True)
        start_box = self._form(
            "start", self.start_upload, self.start_name, self.start_button, self.start_status
        )
        # share
        self.share = ShareBox(page, by_server=by_server)
        share_box = plain.VBox([plain.HTML(f"<h3>{esc(t['share_title'])}</h3>"), self.share.widget])
        # open notes
        self.return_upload = file_picker()
        self.return_upload.description = t["return_choose"]
        self.return_passphrase = passphrase_box(t["return_passphrase"])
        self.return_button, self.return_status = action(
            page, t["return_button"], self.open_notes, primary=True
        )
        self.return_working = Working()
        return_box = self._form(
            "return",
            self.return_upload,
            self.return_passphrase,
            self.return_button,
            self.return_working.widget,
            self.return_status,
        )
        practice = plain.HTML(
            f'<p class="wb-hint">{esc(t["practice_link_intro"])} '
            f'<a href="{PRACTICE_NOTEBOOK}">{esc(t["practice_link"])}</a></p>'
        )
        # on a practice server sending goes through the server (hubshare.ClientHub, above this):
        # files stay, for a therapist not on the server or a file to keep, and say so
        self.widget = page.section(
            t["title_server" if by_server else "title"],
            esc(t["intro_server" if by_server else "intro"]),
            start_box,
            share_box,
            return_box,
            practice,
        )

    def _form(self, key: str, upload: w.FileUpload, *rest: w.Widget) -> w.Widget:
        """A form that takes a file: its heading and help, the picker and which file it holds,
        then its fields, button and what happened."""
        head = heading(self.t[f"{key}_title"], self.t[f"{key}_help"])
        return plain.VBox([head, upload, upload.chosen, *rest])

    def start(self) -> None:
        data = uploaded(self.start_upload, self.t["need_file"])
        home = self.page.session.home
        wb = transport.FILES.receive_start(home, data, name=self.start_name.value or None)
        slug, name = wb.path.stem, wb.name
        wb.close()
        self.start_upload.value = ()
        self.start_name.value = ""
        self.page.switch(slug)
        self.on_workbook()
        self.page.say(esc(self.t["started"].format(name=name)))

    def open_notes(self) -> None:
        if self.page.wb is None:
            raise WorkbookError(self.t["need_workbook"])
        data = uploaded(self.return_upload, self.t["need_file"])
        self.return_working.step(0.3, self.t["working"])
        try:
            passphrase = self.return_passphrase.value or None
            counts = transport.FILES.receive_notes(self.page.wb, data, passphrase=passphrase)
        except NeedsPassphrase:
            self.return_working.done()
            raise ShareError(self.t["need_passphrase"]) from None
        except BaseException:
            self.return_working.done()
            raise
        self.return_upload.value = ()
        self.return_passphrase.value = ""
        message = (
            formats.plural(self.t["return_done"], counts["added"])
            if counts["added"]
            else self.t["return_nothing"]
        )
        self.return_working.done()
        self.page.say(esc(message))
        self.on_workbook()
