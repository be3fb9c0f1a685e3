"""The client's side of working with a therapist, as page sections.

- `TherapistSection(page, on_workbook=...)` — on the start page: start from a therapist's
  file, share chosen stages, open a notes file.
- `share_section(page)` — just the "share with your therapist" part, for any page
  (e.g. Stage 5): one call, `sharing.share_section(page)`.

Files come in through a FileUpload and go out as a data-URI download link: no server
route is needed. Every file is checked completely before anything is written.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import ipywidgets as w

from .. import content, exchange, formats, registry, share
from ..hub import client as hub
from ..model import InvalidEntry
from ..registry import PRACTICE_NOTEBOOK
from ..share import NeedsPassphrase, ShareError
from ..store import WorkbookError
from . import plain
from .kit import Page, StagePicker, button, esc, stacked, text_line

MiB = 2**20


def words() -> dict:
    return content.text("sharing")


def uploaded(upload: w.FileUpload, empty_message: str) -> bytes:
    """The bytes of the one file chosen in `upload`; InvalidEntry if none or too large."""
    value = upload.value
    if not value:
        raise InvalidEntry(empty_message)
    item = value[0]
    size = item.get("size") or 0
    if size > share.MAX_FILE:
        raise InvalidEntry(
            words()["sharing"]["too_large"].format(
                size=formats.number(round(size / MiB)), most=formats.number(share.MAX_FILE // MiB)
            )
        )
    data = item.get("content")
    return bytes(data) if data is not None else b""


def file_picker() -> w.FileUpload:
    # No icon: the app page loads no icon font (see the template), and the words say it.
    upload = w.FileUpload(
        accept=share.SUFFIX, multiple=False, description=words()["sharing"]["choose_file"], icon=""
    )
    upload.add_class("wb-upload")
    asked = {}  # the button's own words, while it shows a file's name instead

    def named(change) -> None:  # the chosen file's name on the button (text, not markup)
        files = change["new"] or ()
        name = str(files[0].get("name") or "") if files and isinstance(files[0], dict) else ""
        asked.setdefault("words", upload.description)
        upload.description = name[:60] + ("…" if len(name) > 60 else "") if name else asked.pop("words")

    upload.observe(named, "value")
    return upload


def passphrase_box(label: str) -> w.Password:
    return stacked(w.Password(description=label, placeholder=""))


class NewPassphrase:
    """An optional passphrase for a file being made, typed twice (like the command line),
    so a slip of the finger can't lock the other person out."""

    def __init__(self):
        t = words()["sharing"]
        self.first = passphrase_box(t["passphrase"])
        self.again = passphrase_box(t["passphrase_again"])
        self.widgets = (self.first, self.again)

    def value(self) -> str | None:
        """The passphrase (None for none); InvalidEntry if the two differ."""
        first, again = self.first.value or "", self.again.value or ""
        if first != again:
            raise InvalidEntry(words()["sharing"]["passphrase_mismatch"])
        return first or None

    def clear(self) -> None:
        self.first.value = self.again.value = ""


def download_link(data: bytes, file_name: str, label: str, *, mime: str = "application/octet-stream") -> str:
    """An <a download> carrying `data` in its href (our own HTML; the file name is escaped)."""
    href = f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
    return f'<a class="wb-download" download="{esc(file_name)}" href="{href}">{esc(label)}</a>'


def _drafts(wb, stage: int) -> list[str]:
    """The writing of `stage` kept only as a draft, which no file carries: words typed before
    choosing the answer they go with (`draft_<kind>`, see `reason.ChoiceWithNote`), and the
    words of a check-in not saved yet (`checkin_draft_<stage>`, see `checkin.CheckIn`)."""
    found = [wb.meta(f"draft_{kind}") for kind in registry.by_number(stage).kinds]
    checkin = wb.meta(f"checkin_draft_{stage}")
    found.append(checkin.get("own_words") if isinstance(checkin, dict) else None)
    return [d for d in found if isinstance(d, str) and d.strip()]


def unsaved_writing(wb, stages) -> list[int]:
    """Those of `stages` where the person has writing kept only as a draft (see `_drafts`)."""
    return [stage for stage in stages if _drafts(wb, stage)]


class DraftCheck:
    """Before anything leaves, a plain warning naming the stages whose writing would stay behind.

    The first press that would send such stages sends nothing and says so (a draft is kept
    only on this computer until its answer is chosen); pressing again, with the same stages
    and the same drafts, sends without them: the person has been told and chose."""

    def __init__(self):
        self._warned: tuple | None = None

    def check(self, wb, stages) -> None:
        """Return quietly when the stages can go; InvalidEntry (the warning) when they can't yet."""
        chosen = sorted(set(stages))
        behind = {stage: _drafts(wb, stage) for stage in chosen}
        behind = {stage: drafts for stage, drafts in behind.items() if drafts}
        if not behind:
            self._warned = None
            return
        seen = (str(wb.path), tuple(chosen), repr(sorted(behind.items())))
        if seen == self._warned:
            self._warned = None  # told, and pressed again: the rest goes without the drafts
            return
        self._warned = seen
        t = words()["sharing"]
        stages_behind = list(behind)
        if len(stages_behind) == 1:
            [stage] = stages_behind
            first = t["unsaved_one"].format(stage=stage, title=words()["stages"][str(stage)])
        else:
            first = t["unsaved_many"].format(stages=formats.word_list(str(s) for s in stages_behind))
        raise InvalidEntry(f"{first} {t['unsaved_help']}")


class Working:
    """A progress bar and a line of text for work that can take a while."""

    def __init__(self):
        self.bar = w.FloatProgress(min=0, max=1, value=0, description="", layout=w.Layout(display="none"))
        self.bar.add_class("wb-progress-bar")
        self.text = plain.HTML()
        self.widget = plain.VBox([self.bar, self.text])

    def step(self, fraction: float, message: str = "") -> None:
        self.bar.layout.display = None
        self.bar.value = fraction
        if message:
            self.text.value = f'<p role="status">{esc(message)}</p>'

    def done(self, message_html: str = "") -> None:
        self.bar.value = 1
        self.bar.layout.display = "none"
        self.text.value = message_html


class ShareBox:
    """Choose stages, an optional passphrase, and make the share file (a download link)."""

    def __init__(self, page: Page):
        self.page = page
        t = words()["sharing"]
        self.t = t
        help_text = t["share_help_server"] if hub.on_hub() else t["share_help"]  # where the rest stays
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
            data = exchange.share_file(wb, chosen, passphrase=passphrase)
        except BaseException:
            self.working.done()
            raise
        name = exchange.file_name(exchange.share_name(wb), "share")
        self.passphrase.clear()
        self.working.done(
            f'<p role="status">{esc(self.t["share_ready"])} '
            f"{download_link(data, name, self.t['download'].format(file=name))}</p>"
        )
        return data


def share_section(page: Page) -> ShareBox:
    """Add the 'share with your therapist' section to `page` (one call, e.g. on Stage 5)."""
    box = ShareBox(page)
    page.section(words()["sharing"]["share_title"], "", box.widget)
    return box


class TherapistSection:
    """The start page's 'working with a therapist' section: start from a file, share, open notes."""

    def __init__(self, page: Page, *, on_workbook: Callable[[], None] | None = None):
        self.page = page
        self.on_workbook = on_workbook or (lambda: None)
        t = words()["sharing"]
        self.t = t
        # start from a therapist's file
        self.start_upload = file_picker()
        self.start_upload.description = t["start_choose"]  # each file picker says which file
        self.start_name = text_line(t["start_name"])
        self.start_button = button(t["start_button"], primary=True)
        self.start_status = page.status_line()  # messages beside the button pressed
        page.on_click(self.start_button, self.start, near=self.start_status)
        start_box = plain.VBox(
            [
                plain.HTML(f"<h3>{esc(t['start_title'])}</h3><p>{esc(t['start_help'])}</p>"),
                self.start_upload,
                self.start_name,
                self.start_button,
                self.start_status,
            ]
        )
        # share
        self.share = ShareBox(page)
        share_box = plain.VBox([plain.HTML(f"<h3>{esc(t['share_title'])}</h3>"), self.share.widget])
        # open notes
        self.return_upload = file_picker()
        self.return_upload.description = t["return_choose"]
        self.return_passphrase = passphrase_box(t["return_passphrase"])
        self.return_button = button(t["return_button"], primary=True)
        self.return_working = Working()
        self.return_status = page.status_line()
        page.on_click(self.return_button, self.open_notes, near=self.return_status)
        return_box = plain.VBox(
            [
                plain.HTML(f"<h3>{esc(t['return_title'])}</h3><p>{esc(t['return_help'])}</p>"),
                self.return_upload,
                self.return_passphrase,
                self.return_button,
                self.return_working.widget,
                self.return_status,
            ]
        )
        practice = plain.HTML(
            f'<p class="wb-hint">{esc(t["practice_link_intro"])} '
            f'<a href="{PRACTICE_NOTEBOOK}">{esc(t["practice_link"])}</a></p>'
        )
        # on a practice server sending goes through the server (hubshare.ClientHub, above this):
        # files stay, for a therapist not on the server or a file to keep, and say so
        server = hub.on_hub()
        self.widget = page.section(
            t["title_server" if server else "title"],
            esc(t["intro_server" if server else "intro"]),
            start_box,
            share_box,
            return_box,
            practice,
        )

    def start(self) -> None:
        data = uploaded(self.start_upload, self.t["need_file"])
        home = self.page.session.home
        wb = exchange.start_from(home, data, name=self.start_name.value or None)
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
            counts = exchange.open_return(self.page.wb, data, passphrase=self.return_passphrase.value or None)
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
