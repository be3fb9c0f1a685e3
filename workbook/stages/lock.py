"""The start page's lock: a passphrase on the open workbook (an export offered first, no back
door said plainly), a new one, or the lock taken off; how long it may be left before it locks
again; and, for a locked workbook not yet opened in this visit, its passphrase.

Every value comes from a widget and is checked here and by `workbook.lock` (the page can send
anything): a passphrase must be text of 8 to 1,024 characters, a wrong one changes nothing,
an idle time must be one of IDLE_CHOICES. Changing or taking off a lock asks for the passphrase
it has now. Passphrase boxes are emptied after every press.
The app locks a locked workbook again after its idle time (`stages/app.py`).
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w

from .. import cipher, content, lock
from ..errors import WorkbookError
from ..files import atomic_write
from ..store import Home
from . import plain, practicekey
from .autosave import flush_waiting_saves
from .forms import button, dropdown, stacked
from .handover import download_link
from .markup import esc
from .page import Page

IDLE_CHOICES = (5, 15, 30, 60)  # minutes
IDLE_DEFAULT = 15
IDLE_META = "lock_idle_minutes"  # kept in the workbook itself (encrypted with it)


def idle_minutes(wb) -> int:
    """How long the workbook may be left before the app locks it again (minutes)."""
    value = wb.meta(IDLE_META) if wb is not None else None
    return value if value in IDLE_CHOICES else IDLE_DEFAULT


def _password(label: str) -> w.Password:
    return stacked(w.Password(description=label, continuous_update=False))


def _shown(box: w.Widget, yes: bool) -> None:
    box.layout.display = None if yes else "none"


class LockSection:
    """Open a locked workbook; lock the open one; change or take off its passphrase."""

    def __init__(self, page: Page, on_workbook: Callable[[], None] | None = None):
        self.page, self.on_workbook = page, on_workbook or (lambda: None)
        t = self.words = self._words()
        self.result = page.status_line()
        # a locked workbook not yet opened in this visit: its passphrase
        self.passphrase = _password(t["passphrase"])
        self.open_button = button(t["open_button"], primary=True)
        page.on_click(self.open_button, self.open, near=self.result)
        self.open_box = plain.VBox(
            [
                plain.HTML(f"<h3>{esc(t['open_title'])}</h3><p>{esc(t['open_intro'])}</p>"),
                self.passphrase,
                self.open_button,
            ],
            layout=w.Layout(),
        )
        # the open workbook: lock it, or change or take off its passphrase
        self.current = _password(t["current"])  # asked before the lock is changed or taken off
        self.new, self.again = _password(t["new"]), _password(t["again"])
        self.export_button = button(t["export_button"], layout=w.Layout())
        page.on_click(self.export_button, self.export, near=self.result)
        self.lock_button = button(t["lock_button"], primary=True, layout=w.Layout())
        page.on_click(self.lock_button, self.lock, near=self.result)
        self.change_button = button(t["change_button"], primary=True, layout=w.Layout())
        page.on_click(self.change_button, self.lock, near=self.result)
        self.unlock_button = button(t["unlock_button"], layout=w.Layout())
        page.on_click(self.unlock_button, self.unlock, near=self.result)
        self.idle = dropdown(
            t["idle"], [(t["idle_minutes"].format(n=n), n) for n in IDLE_CHOICES], IDLE_DEFAULT
        )
        self.plain_intro = plain.HTML(
            f"<p>{esc(t['intro'])}</p><p><strong>{esc(t['no_back_door'])}</strong></p>", layout=w.Layout()
        )
        self.locked_intro = plain.HTML(
            f"<h3>{esc(t['locked_title'])}</h3><p>{esc(t['locked_intro'])}</p>", layout=w.Layout()
        )
        self.lock_box = plain.VBox(
            [
                self.plain_intro,
                self.locked_intro,
                self.export_button,
                self.current,
                self.new,
                self.again,
                plain.HBox([self.lock_button, self.change_button, self.unlock_button]),
                self.idle,
            ],
            layout=w.Layout(),
        )
        self.widget = page.section(t["title"], "", self.open_box, self.lock_box, self.result)
        self.widget.layout = w.Layout()  # hidden when there is nothing to lock or open
        if self._asks_first():  # the address named a locked workbook: ask first
            self.to_top()
        self.widget.add_class("wb-lock")
        self.refresh()
        page.on_change(self.idle, self.set_idle)

    def _words(self) -> dict:
        return content.text("lock")

    def _asks_first(self) -> bool:
        return bool(self.page.session.locked) and self.page.wb is None

    def to_top(self) -> None:
        """The section first on its page (its passphrase is asked before anything else)."""
        body = self.page.body
        if self.widget in body:
            body.remove(self.widget)
        body.insert(0, self.widget)

    # -- what is shown -------------------------------------------------------------------
    def refresh(self) -> None:
        session, wb = self.page.session, self.page.wb
        _shown(self.open_box, bool(lock.locked_unopened(session.home)))
        own = wb is not None and not session.client and not wb.read_only
        _shown(self.lock_box, own)
        locked = own and wb.locked
        for part in (self.plain_intro, self.export_button, self.lock_button):
            _shown(part, own and not locked)
        for part in (self.locked_intro, self.current, self.change_button, self.unlock_button, self.idle):
            _shown(part, locked)
        if locked:
            self.idle.value = idle_minutes(wb)
        _shown(self.widget, own or self.open_box.layout.display is None)

    def _changed(self, slug: str, said: str) -> None:
        self.page.switch(slug)  # the workbook under its file key now (the pages are rebuilt)
        self.page.say(f"✓ {esc(said)}")
        self.on_workbook()
        self.refresh()

    # -- actions ---------------------------------------------------------------------------
    def open(self) -> None:
        """The passphrase of a locked workbook: it opens (and the one the address named is
        opened); a wrong one says so and changes nothing."""
        given, self.passphrase.value = self.passphrase.value, ""
        if not isinstance(given, str) or not given.strip():
            raise WorkbookError("lock.passphrase_empty")
        session = self.page.session
        wanted = session.locked  # the one the address named, or chosen in the list
        opened = lock.open_with(session.home, given, name=wanted)
        if wanted in {info.slug for info in opened}:
            self._changed(wanted, self.words["opened"])
        else:
            self.page.say(f"✓ {esc(self.words['opened'])}")
            self.on_workbook()
            self.refresh()

    def _new_passphrase(self) -> str:
        new, again = self.new.value, self.again.value
        self.new.value = self.again.value = ""
        self._current_checked()
        if new != again:
            raise WorkbookError("lock.passphrases_differ")
        return new

    def _current_checked(self) -> None:
        """A locked workbook's lock changes or comes off only with the passphrase it has now
        (the key this visit holds is not enough: the screen may have been left); a wrong one
        changes nothing. The box is emptied either way."""
        given, self.current.value = self.current.value, ""
        wb = self.page.wb
        if wb is not None and wb.locked:
            cipher.check_known(wb.header, given)

    def export(self) -> bytes:
        """Offer the whole workbook as a zip (a plain copy to keep: there is no back door)."""
        from ..export import export_zip  # pandas: loaded when asked for (see stages/app.py)

        wb = self.page.wb
        if wb is None:
            return b""
        data = export_zip(wb)
        link = download_link(data, "my-workbook.zip", self.words["export_link"], mime="application/zip")
        self.page.say(self.words["export_ready"].format(link=link))
        return data

    def lock(self) -> None:
        """Lock the open workbook, or give a locked one a new passphrase."""
        wb = self.page.wb
        if wb is None or self.page.session.client or wb.read_only:
            return
        passphrase = self._new_passphrase()
        was_locked = wb.locked
        flush_waiting_saves()  # writing waiting for a pause goes in before the copy is made
        slug = lock.lock(self.page.session.home, self.page.slug, passphrase)
        self._changed(slug, self.words["changed" if was_locked else "locked"])

    def unlock(self) -> None:
        wb = self.page.wb
        if wb is None or not wb.locked or self.page.session.client:
            return
        self.new.value = self.again.value = ""
        self._current_checked()
        flush_waiting_saves()
        slug = lock.unlock(self.page.session.home, self.page.slug)
        self._changed(slug, self.words["unlocked"])

    def set_idle(self, value) -> None:
        wb = self.page.wb
        if wb is None or not wb.locked or value not in IDLE_CHOICES or value == idle_minutes(wb):
            return
        wb.set_meta(IDLE_META, value)
        self.page.say(f"✓ {esc(self.words['idle_saved'].format(n=value))}")


# -- the practice page: the clients' copies share one lock -----------------------------------
IDLE_FILE = "lock-idle-minutes"  # in the practice folder: a number, nothing of anyone's words


def folder_idle_minutes(folder: Home) -> int:
    """How long the practice page may be left before the clients' copies lock again (minutes)."""
    try:
        value = int((folder.path / IDLE_FILE).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return IDLE_DEFAULT
    return value if value in IDLE_CHOICES else IDLE_DEFAULT


class FolderLockSection(LockSection):
    """The practice page's lock: every client copy in the practice folder under one passphrase
    (`lock.lock_all`; a copy made there later is locked under it too), asked once per visit,
    changed or taken off with the passphrase it has now. The same section as the start page's,
    with the practice's words; no export (the copies are the clients' to share again)."""

    def __init__(
        self,
        page: Page,
        folder: Home,
        on_change: Callable[[], None] | None = None,
        *,
        key_home: Home | None = None,
    ):
        self.folder = folder
        self.key_home = key_home  # on a practice server: the therapist's key goes under the same lock
        super().__init__(page, on_change)

    def _words(self) -> dict:
        t = content.text("lock")
        return {**t, **t["practice"]}

    def _asks_first(self) -> bool:
        return self._unopened()

    def _unopened(self) -> bool:
        return self.folder.path.is_dir() and bool(lock.locked_unopened(self.folder))

    def refresh(self) -> None:
        unopened = self._unopened()
        infos = self.folder.list() if self.folder.path.is_dir() else []
        own = bool(infos) and not unopened
        locked = own and any(info.locked for info in infos)
        _shown(self.open_box, unopened)
        _shown(self.lock_box, own)
        _shown(self.export_button, False)
        for part in (self.plain_intro, self.lock_button):
            _shown(part, own and not locked)
        for part in (self.locked_intro, self.current, self.change_button, self.unlock_button, self.idle):
            _shown(part, locked)
        if locked:
            self.idle.value = folder_idle_minutes(self.folder)
        _shown(self.widget, own or unopened)

    def _done(self, said: str) -> None:
        self.page.say(f"✓ {esc(said)}")
        self.on_workbook()
        self.refresh()

    def open(self) -> None:
        given, self.passphrase.value = self.passphrase.value, ""
        if not isinstance(given, str) or not given.strip():
            raise WorkbookError("lock.passphrase_empty")
        lock.open_with(self.folder, given)
        if self.key_home is not None:  # a key kept under the same passphrase opens for this visit too
            practicekey.open_key(self.key_home, given)
        self._done(self.words["opened"])

    def _current_checked(self) -> None:
        given, self.current.value = self.current.value, ""
        headers = sorted(lock.headers_open(self.folder))
        for header in headers[:-1]:  # one, unless a change was stopped half-way
            try:
                cipher.check_known(header, given)
                return
            except cipher.WrongPassphrase:
                continue
        if headers:
            cipher.check_known(headers[-1], given)

    def lock(self) -> None:
        locked = bool(lock.headers_open(self.folder))
        passphrase = self._new_passphrase()
        flush_waiting_saves()
        lock.lock_all(self.folder, passphrase)
        if self.key_home is not None:  # the therapist's key under the same passphrase
            practicekey.seal_key(self.key_home, passphrase)
        self._done(self.words["changed" if locked else "locked"])

    def unlock(self) -> None:
        if not lock.headers_open(self.folder):
            return
        self.new.value = self.again.value = ""
        self._current_checked()
        flush_waiting_saves()
        lock.unlock_all(self.folder)
        self._done(self.words["unlocked"])

    def set_idle(self, value) -> None:
        if value not in IDLE_CHOICES or value == folder_idle_minutes(self.folder):
            return
        atomic_write(self.folder.path / IDLE_FILE, str(value))
        self.page.say(f"✓ {esc(self.words['idle_saved'].format(n=value))}")

    def lock_again(self) -> None:
        """Left alone too long: this kernel forgets the copies' key; the section asks again."""
        for header in lock.headers_open(self.folder):
            cipher.forget(header)
        if self.key_home is not None:
            practicekey.forget_key()
        self.refresh()
        self.to_top()
