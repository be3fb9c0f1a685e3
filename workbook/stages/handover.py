"""Pieces shared by every place a file or a passphrase passes between a person and their
therapist (the start page, the practice page, the practice server): a form's heading (its
button with a status line is `forms.action`), a file picker and what it holds, passphrases typed twice, a
download link, a check for writing that would stay behind as a draft, and a progress line.
"""

from __future__ import annotations

import base64

import ipywidgets as w

from .. import content, formats, registry, share
from ..model import InvalidEntry
from . import plain
from .forms import stacked
from .markup import esc

MiB = 2**20


def words() -> dict:
    return content.text("sharing")


def heading(title: str, help_text: str) -> w.HTML:
    """A form's small heading and its help line (our own words, escaped)."""
    return plain.HTML(f"<h3>{esc(title)}</h3><p>{esc(help_text)}</p>")


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
    """A button to choose one file. Its `chosen` (a line to show right after it) then says, in
    plain words, which file was chosen ("Chosen: sam-stage-2.share"); the button shows the
    name too. Both go back to their own words when the picker is cleared."""
    # No icon: the app page loads no icon font (see the template), and the words say it.
    upload = w.FileUpload(
        accept=share.SUFFIX, multiple=False, description=words()["sharing"]["choose_file"], icon=""
    )
    upload.add_class("wb-upload")
    upload.chosen = plain.HTML()  # read out when it changes (role="status")
    upload.chosen.add_class("wb-chosen-file")
    asked = {}  # the button's own words, while it shows a file's name instead

    def named(change) -> None:  # the chosen file's name (text, not markup)
        files = change["new"] or ()
        name = str(files[0].get("name") or "") if files and isinstance(files[0], dict) else ""
        short = name[:60] + ("…" if len(name) > 60 else "")
        asked.setdefault("words", upload.description)
        upload.description = short if name else asked.pop("words")
        said = words()["sharing"]["chosen_file"].format(name=short)
        upload.chosen.value = f'<p class="wb-hint" role="status">{esc(said)}</p>' if name else ""

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
    choosing the answer they go with (`draft_<kind>`, see `fields.ChoiceWithNote`), and the
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
