"""The start page's lock, driven in Python as the page would be: lock, a locked workbook asked
for once per visit, change, unlock, the idle time; and the app locking it again when idle."""

from __future__ import annotations

import base64
import html
import re
import zipfile
from io import BytesIO

from workbook import cipher
from workbook.stages import feel, start
from workbook.stages import session as sessions
from workbook.stages.lock import IDLE_META
from workbook.store import Workbook

from .locking import PASSPHRASE, make


def _page(home):
    return start.StartPage(home=home.path)


def _type_twice(section, first, second=None):
    section.new.value, section.again.value = first, first if second is None else second


def test_locking_in_the_app_offers_an_export_says_no_back_door_and_locks(home, quick_kdf):
    path = make(home, "After the interview", locked=False)
    home.set_current(path.stem)
    with Workbook.open(path) as wb:
        wb.put("quality", {"text": "honest"})
    page = _page(home)
    section = page.lock
    assert section.widget.layout.display is None and section.lock_button.layout.display is None
    assert "no back door" in section.plain_intro.value.lower()
    assert section.change_button.layout.display == "none" and section.open_box.layout.display == "none"
    section.export_button.click()  # a plain copy to keep, offered before anything is locked
    found = re.search(r'href="data:application/zip;base64,([^"]+)"', section.result.value)
    assert found and zipfile.ZipFile(BytesIO(base64.b64decode(found[1]))).namelist()
    _type_twice(section, PASSPHRASE, "something else")
    section.lock_button.click()
    assert "aren't the same" in html.unescape(section.result.value) and not cipher.is_locked(path)
    assert section.new.value == section.again.value == ""  # never left in the page
    _type_twice(section, "short")
    section.lock_button.click()
    assert "at least 8 characters" in section.result.value and not cipher.is_locked(path)
    _type_twice(section, PASSPHRASE)
    section.lock_button.click()
    assert "Locked." in section.result.value
    (locked,) = home.path.glob("*.workbook")
    assert cipher.is_locked(locked) and b"honest" not in locked.read_bytes()
    assert page.page.slug == locked.stem and home.current() == locked.stem
    assert [e["text"] for e in page.page.wb.entries("quality")] == ["honest"]
    assert section.change_button.layout.display is None and section.lock_button.layout.display == "none"


def test_a_locked_workbook_is_asked_for_once_per_visit_and_a_wrong_passphrase_changes_nothing(
    home, quick_kdf
):
    path = make(home, "Mine", locked=True)
    home.set_current(path.stem)
    with Workbook.open(path) as wb:
        wb.put("quality", {"text": "brave"})
    cipher.forget()  # a new visit
    before = path.read_bytes()
    page = _page(home)
    section = page.lock
    assert page.page.wb is None and page.page.session.locked == path.stem
    assert section.open_box.layout.display is None and section.lock_box.layout.display == "none"
    assert page.page.body[0] is section.widget  # asked first, at the top of the start page
    header = html.unescape(page.page.header.value)
    assert "This workbook is locked. Type its passphrase below" in header
    assert "No workbook is open yet" not in header  # one plain line, not two that disagree
    stage = feel.FeelPage(home=home.path).page  # a stage page says where the passphrase goes
    there = html.unescape(stage.header.value)
    assert "This workbook is locked. Its passphrase opens it on" in there and 'href="' in there
    section.passphrase.value = "not the passphrase"
    section.open_button.click()
    assert (
        "doesn't open this workbook" in html.unescape(section.result.value)
        and 'role="alert"' in section.result.value
    )
    assert section.passphrase.value == "" and path.read_bytes() == before and page.page.wb is None
    section.passphrase.value = PASSPHRASE
    section.open_button.click()
    assert page.page.wb is not None and page.page.wb.name == "Mine"
    assert [e["text"] for e in page.page.wb.entries("quality")] == ["brave"]
    assert section.open_box.layout.display == "none" and section.change_button.layout.display is None
    again = sessions.session_for(home)  # another page of the same visit (kernel): not asked again
    assert again.workbook is not None and again.locked is None
    again.workbook.close()


def test_change_unlock_and_the_idle_time_in_spanish(home, quick_kdf):
    path = make(home, "Después", locked=True)
    home.set_current(path.stem)
    with Workbook.open(path) as wb:  # the language chosen for this workbook on the start page
        wb.set_meta("language", "es")
    page = _page(home)
    section = page.lock
    assert section.idle.value == 15 and "15 minutos" in [label for label, _ in section.idle.options]
    section.idle.value = 30
    assert page.page.wb.meta(IDLE_META) == 30 and "30 minutos" in section.page.status.value
    _type_twice(section, "otra frase de paso")
    section.current.value = PASSPHRASE  # the passphrase it has now, asked first
    section.change_button.click()
    assert "Se ha cambiado la frase de paso" in section.result.value
    cipher.forget()
    assert cipher.key_for(path, cipher.header_of(path), "otra frase de paso")
    section.unlock_button.click()  # without the passphrase it has now: asked for, nothing changed
    assert "Escribe primero la frase de paso que tiene ahora" in html.unescape(section.result.value)
    assert cipher.is_locked(path)
    section.current.value = "otra frase de paso"
    section.unlock_button.click()
    assert "Se ha quitado el candado" in section.result.value
    (plain,) = home.path.glob("*.workbook")
    assert plain.name == "despues.workbook" and not cipher.is_locked(plain)
    assert section.lock_button.layout.display is None


def test_the_app_locks_a_locked_workbook_again_after_its_idle_time(home, quick_kdf):
    from workbook.stages import app as shell

    path = make(home, "Mine", locked=True)
    home.set_current(path.stem)
    with Workbook.open(path) as wb:
        wb.set_meta(IDLE_META, 5)
    app = shell.App(home=home.path)
    app._message(None, {"event": "location", "hash": "feel", "search": "", "seq": 1}, [])
    assert app.session.workbook is not None and "feel" in app.shown
    app._message(None, {"event": "ping"}, [])
    app.touched_at -= 4 * 60  # four minutes without a touch: still open
    app._message(None, {"event": "ping"}, [])
    assert app.session.workbook is not None
    app._message(None, {"event": "idle", "seq": 2}, [])  # a touch counted by the browser
    app.touched_at -= 4 * 60
    app._message(None, {"event": "ping"}, [])
    assert app.session.workbook is not None
    app.touched_at -= 2 * 60  # six minutes: locked again
    app._message(None, {"event": "ping"}, [])
    assert app.session.workbook is None and app.session.locked == path.stem
    assert cipher.known_key(cipher.header_of(path)) is None and list(app.shown) == ["start"]
    widgets = list(shell._reachable(app.shown["start"].widget).values())  # the start page asks again
    (field,) = [
        x for x in widgets if type(x).__name__ == "Password" and x.description == "The workbook's passphrase"
    ]
    (button,) = [x for x in widgets if getattr(x, "description", None) == "Open" and x.layout.display is None]
    field.value = PASSPHRASE
    button.click()
    assert app.session.workbook is not None and app.session.workbook.name == "Mine"


def test_a_locked_workbook_chosen_in_the_list_is_asked_for_and_then_open(home, quick_kdf):
    mine = make(home, "Mine", locked=False)
    home.set_current(mine.stem)
    other = make(home, "The other one", locked=True)
    cipher.forget()
    page = _page(home)
    page.choose.value = other.stem  # listed as "Locked workbook …" until its passphrase is given
    page.open_button.click()
    assert "locked" in page.choose_status.value and page.page.wb.name == "Mine"
    section = page.lock
    assert section.open_box.layout.display is None
    section.passphrase.value = PASSPHRASE
    section.open_button.click()
    assert page.page.wb.name == "The other one" and page.page.slug == other.stem
    assert "The other one" in [label for label, _ in page.choose.options]


def test_changing_or_taking_off_a_lock_asks_for_the_passphrase_it_has_now(home, quick_kdf):
    """Someone at a screen left open can't change the passphrase or take the lock off: the
    visit's key is not enough. A missing or wrong one says so calmly and changes nothing."""
    path = make(home, "Mine", locked=True)
    home.set_current(path.stem)
    page = _page(home)
    section = page.lock
    assert (
        section.current.layout.display is None and section.current.description == "The passphrase it has now"
    )
    assert "passphrase it has now first" in section.locked_intro.value
    before = path.read_bytes()
    _type_twice(section, "a passphrase of someone else")
    section.change_button.click()  # the one it has now not typed
    assert "type the passphrase it has now first" in html.unescape(section.result.value)
    assert path.read_bytes() == before and section.new.value == section.again.value == ""
    for press in (section.change_button, section.unlock_button):
        _type_twice(section, "a passphrase of someone else")
        section.current.value = "a guess at the passphrase"
        press.click()
        said = html.unescape(section.result.value)
        assert (
            "doesn't open this workbook. Nothing was changed" in said
            and 'role="alert"' in section.result.value
        )
        assert section.current.value == section.new.value == section.again.value == ""
        assert path.read_bytes() == before and list(home.path.glob("*.workbook")) == [path]
    assert page.page.wb is not None and page.page.wb.locked  # still open in this visit, as it was
    cipher.forget()
    assert cipher.key_for(path, cipher.header_of(path), PASSPHRASE)  # the old passphrase still opens it
