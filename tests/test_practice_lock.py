"""The practice page's lock, driven in Python as the page would be: the clients' copies locked
under one passphrase (a copy brought in later too), asked once per visit, changed or taken off
with the passphrase it has now, locked again when the page is left alone; and a client's copy
opened read-only in the app once the practice's passphrase is given there."""

from __future__ import annotations

import html

from workbook import cipher, exchange, lock, registry
from workbook.stages import practice, start
from workbook.stages import session as sessions
from workbook.store import Home

from .locking import PASSPHRASE, check_disk
from .test_practice import upload

CLIENTS = {  # the client's own name for their workbook: the words they wrote
    "Robin's notebook": "WORDS-OF-ROBIN the team left me out",
    "Sam's notebook": "WORDS-OF-SAM a letter never answered",
}


def _share(tmp_path, name: str, words: str) -> bytes:
    client = Home(tmp_path / f"client-{len(list(tmp_path.iterdir()))}")
    with client.create(name) as wb:
        wb.put("rejection", {"kind": "friend", "description": words})
        return exchange.share_file(wb, registry.method_numbers())


def _texts(widget) -> str:
    found, todo = [], [widget]
    while todo:
        each = todo.pop()
        if getattr(getattr(each, "layout", None), "display", None) == "none":
            continue  # what the page hides is not shown
        value = getattr(each, "value", None)
        if isinstance(value, str):
            found.append(html.unescape(value))
        todo.extend(getattr(each, "children", ()))
    return " ".join(found)


def _practice_with_clients(home, tmp_path) -> Home:
    folder = exchange.practice_home(home)
    for name, words in list(CLIENTS.items())[:1]:
        exchange.import_share(folder, _share(tmp_path, name, words))
    return folder


def _lock(section, passphrase=PASSPHRASE):
    section.new.value = section.again.value = passphrase
    section.lock_button.click()


def test_the_clients_copies_are_locked_and_a_copy_brought_in_later_is_locked_too(home, tmp_path, quick_kdf):
    folder = _practice_with_clients(home, tmp_path)
    page = practice.Practice()
    section = page.lock
    assert section.widget.layout.display is None and section.lock_button.layout.display is None
    assert section.export_button.layout.display == "none"  # the copies are the clients' to share again
    assert "no back door" in section.plain_intro.value.lower() and "your notes would be gone" in (
        section.plain_intro.value
    )
    _lock(section)
    assert "Locked. From now on your clients' copies open only" in html.unescape(section.result.value)
    (robin,) = folder.path.glob("*.workbook")
    assert cipher.is_locked(robin) and robin.stem.startswith("locked-")
    assert "Robin's notebook" in _texts(page.clients_html)  # still open in this visit
    # a share brought in afterwards makes a copy locked under the same passphrase, never plain
    sam = _share(tmp_path, "Sam's notebook", CLIENTS["Sam's notebook"])
    upload(page.upload, sam)
    page.import_button.click()
    assert "Brought in" in page.import_status.value
    files = sorted(folder.path.glob("*.workbook"))
    assert len(files) == 2 and all(cipher.is_locked(path) for path in files)
    assert len({cipher.header_of(path) for path in files}) == 1  # one lock for the practice
    check_disk(folder.path, True, *CLIENTS, *CLIENTS.values(), "Robin", "Sam")
    # and the same two copies, plain, hold those words: the words looked for are the right ones
    section.current.value = PASSPHRASE
    section.unlock_button.click()
    assert "The lock is off" in section.result.value
    check_disk(folder.path, False, *CLIENTS, *CLIENTS.values())


def test_a_locked_practice_is_asked_for_once_per_visit_and_a_wrong_passphrase_changes_nothing(
    home, tmp_path, quick_kdf
):
    folder = _practice_with_clients(home, tmp_path)
    _lock(practice.Practice().lock)
    cipher.forget()  # a new visit
    before = {path: path.read_bytes() for path in folder.path.iterdir()}
    page = practice.Practice()
    section = page.lock
    assert page.page.body[0] is section.widget  # asked first, at the top of the practice page
    assert section.open_box.layout.display is None and section.lock_box.layout.display == "none"
    shown = _texts(page.widget)
    assert "A locked practice" in shown and "WORDS-OF-ROBIN" not in shown and "Robin" not in shown
    field = section.passphrase
    assert field.description == "The practice's passphrase"
    field.value = "not the passphrase"
    section.open_button.click()
    assert "doesn't open this workbook" in html.unescape(section.result.value)
    assert {path: path.read_bytes() for path in folder.path.iterdir()} == before
    field.value = PASSPHRASE
    section.open_button.click()
    assert field.value == "" and section.open_box.layout.display == "none"
    assert "Robin's notebook" in _texts(page.clients_html)
    page.review(page.choose.value)
    assert "WORDS-OF-ROBIN" in _texts(page.review_box)
    again = practice.Practice()  # another page of the same visit (kernel): not asked again
    assert again.lock.open_box.layout.display == "none" and "Robin's notebook" in _texts(again.clients_html)


def test_changing_or_taking_off_the_practice_lock_asks_for_its_passphrase_now_in_spanish(
    home, tmp_path, quick_kdf
):
    from workbook import content

    folder = _practice_with_clients(home, tmp_path)
    _lock(practice.Practice().lock)
    content.set_language("es")
    section = practice.Practice().lock
    assert section.current.description == "La frase de paso de la consulta ahora"
    (path,) = folder.path.glob("*.workbook")
    before = path.read_bytes()
    section.new.value = section.again.value = "otra frase de paso"
    section.current.value = "una suposición"
    section.change_button.click()
    assert "Esa frase de paso no abre este cuaderno" in html.unescape(section.result.value)
    section.unlock_button.click()  # nothing typed where the passphrase it has now goes
    assert "Escribe primero la frase de paso que tiene ahora" in html.unescape(section.result.value)
    assert path.read_bytes() == before
    section.new.value = section.again.value = "otra frase de paso"
    section.current.value = PASSPHRASE
    section.change_button.click()
    assert "Se ha cambiado la frase de paso" in section.result.value
    cipher.forget()
    (path,) = folder.path.glob("*.workbook")
    assert cipher.key_for(path, cipher.header_of(path), "otra frase de paso")
    section.idle.value = 5
    assert practice.folder_idle_minutes(folder) == 5 and "5 minutos" in html.unescape(
        section.page.status.value
    )


def test_the_practice_page_locks_again_when_left_alone(home, tmp_path, quick_kdf):
    folder = _practice_with_clients(home, tmp_path)
    page = practice.Practice()
    _lock(page.lock)
    page.lock.idle.value = 30
    page.review(page.choose.value)
    assert "WORDS-OF-ROBIN" in _texts(page.review_box)
    t0 = page.page.touched_at
    assert not page.lock_if_idle(now=t0 + 29 * 60)  # within its idle time: still open
    page.review_button.click()  # a press resets the clock
    assert page.page.touched_at > t0 and not page.lock_if_idle(now=page.page.touched_at + 29 * 60)
    assert page.lock_if_idle(now=page.page.touched_at + 31 * 60)
    (path,) = folder.path.glob("*.workbook")
    assert cipher.known_key(cipher.header_of(path)) is None
    shown = _texts(page.widget)
    assert "WORDS-OF-ROBIN" not in shown and "Robin's notebook" not in shown
    assert page.page.body[0] is page.lock.widget and page.lock.open_box.layout.display is None
    page.lock.passphrase.value = PASSPHRASE
    page.lock.open_button.click()
    assert "Robin's notebook" in _texts(page.clients_html)


def test_a_note_being_typed_keeps_the_practice_open_and_is_there_again_after_a_lock(
    home, tmp_path, quick_kdf
):
    """Typing is doing something: a therapist writing a long note for a client is not left
    alone, and a note not yet added is not lost when the page locks."""
    _practice_with_clients(home, tmp_path)
    page = practice.Practice()
    _lock(page.lock)
    page.lock.idle.value = 15
    page.review(page.choose.value)
    (note, *_) = page._note_boxes.values()
    assert note.continuous_update  # the browser sends it as it is typed, not only on leaving
    t0 = page.page.touched_at
    note.value = "Lovely work this week"  # as the browser sends typing
    assert page.page.touched_at > t0
    assert not page.lock_if_idle(now=page.page.touched_at + 14 * 60)
    assert page.lock_if_idle(now=page.page.touched_at + 16 * 60)
    page.lock.passphrase.value = PASSPHRASE
    page.lock.open_button.click()
    page.review(page.choose.value)
    assert "Lovely work this week" in _texts(page.review_box)


def test_a_locked_clients_copy_opens_read_only_in_the_app_once_the_practice_passphrase_is_given(
    home, tmp_path, quick_kdf
):
    folder = _practice_with_clients(home, tmp_path)
    _lock(practice.Practice().lock)
    cipher.forget()  # the app's kernel has not had the practice's passphrase
    (path,) = folder.path.glob("*.workbook")
    session = sessions.session_for(home, client=path.stem)
    assert session.workbook is None and session.locked == path.stem and session.client
    page = start.StartPage(session=session)  # the app's start page for ?client=… asks for it
    section = page.lock
    assert section.open_box.layout.display is None
    section.passphrase.value = PASSPHRASE
    section.open_button.click()
    wb = page.page.session.workbook
    assert wb is not None and wb.read_only and wb.path == path
    assert home.current() is None  # the therapist's own current workbook is not a client's copy


def test_on_the_practice_server_the_key_goes_under_the_practice_lock_and_is_asked_once_per_visit(
    tmp_path, monkeypatch, quick_kdf
):
    from workbook.hub import crypto

    monkeypatch.delenv("QUERY_STRING", raising=False)
    therapist = Home(tmp_path / "therapist")
    with _hub(tmp_path, monkeypatch) as hub:
        hub.as_("tess")
        desk = practice.Practice(home=therapist.path)
        desk.hub.key_button.click()  # a key of the practice, plain
        exchange.import_share(exchange.practice_home(therapist), _share(tmp_path, "Robin's notebook", "x"))
        desk = practice.Practice(home=therapist.path)
        assert desk.hub.inbox_unlock.layout.display == "none"  # a plain key: nothing to ask
        _lock(desk.lock)
        with_key = crypto.key_path(therapist.path)
        assert b'"sealed"' in with_key.read_bytes() and b'"private"' not in with_key.read_bytes()
        assert "It is open in this window" in desk.hub.key_state.value
        assert desk.hub.inbox_unlock.layout.display == "none"  # opened in this visit

        cipher.forget()
        crypto.forget_keys()  # a new visit
        desk = practice.Practice(home=therapist.path)
        assert desk.hub.inbox_unlock.layout.display is None  # asked where it is needed
        desk.lock.passphrase.value = PASSPHRASE  # the practice's passphrase opens both, once
        desk.lock.open_button.click()
        assert desk.hub.inbox_unlock.layout.display == "none" and "open in this window" in (
            desk.hub.key_state.value
        )
        desk.hub.inbox_button.click()  # the inbox opens with the key kept for this visit
        assert "protected with a passphrase" not in html.unescape(_texts(desk.widget))
        assert desk.lock_if_idle(now=desk.page.touched_at + 16 * 60)  # left alone: both asked again
        assert desk.hub.inbox_unlock.layout.display is None and crypto.opened_key(therapist.path) is None
    crypto.forget_keys()


def _hub(tmp_path, monkeypatch):
    from workbook.hub.service import User

    from .hubcalls import exchange_on_loopback

    people = {"t-tess": User("tess", True), "t-ann": User("ann", False)}
    return exchange_on_loopback(tmp_path / "service.sqlite", monkeypatch, people)


def test_a_locked_practice_not_opened_in_this_visit_takes_nothing_from_the_inbox(
    tmp_path, monkeypatch, quick_kdf
):
    """Shares waiting for a locked practice stay waiting until its passphrase is given: they
    can't be matched to their client's copy before, and must not be set aside as unknown."""
    import pytest

    from workbook import lock
    from workbook.hub import client

    from .test_hub_client import linked_pair

    homes = {name: Home(tmp_path / name) for name in ("tess", "ann")}
    with _hub(tmp_path, monkeypatch) as hub:
        folder, wb, _code = linked_pair(hub, homes)
        wb.put("rejection", {"kind": "friend", "description": "WORDS-OF-ANN"})
        client.send(wb, [1])
        hub.as_("tess")
        lock.lock_all(folder, PASSPHRASE)
        cipher.forget()  # a new visit
        with pytest.raises(cipher.Locked):
            client.collect(folder)
        lock.open_with(folder, PASSPHRASE)
        [result] = client.collect(folder)  # still there, brought into Ann's copy
        assert result.added >= 1 and len(list(folder.path.glob("*.workbook"))) == 1
        with folder.open(result.slug) as copy:
            assert [e["description"] for e in copy.entries("rejection")] == ["WORDS-OF-ANN"]


def test_a_locked_clients_copy_open_in_the_app_locks_again_after_the_practices_idle_time(
    home, tmp_path, quick_kdf
):
    from workbook.stages import app as shell

    folder = _practice_with_clients(home, tmp_path)
    _lock(practice.Practice().lock)  # this kernel has the practice's key (the default: 15 minutes)
    (path,) = folder.path.glob("*.workbook")
    app = shell.App(home=home.path)
    app._message(None, {"event": "location", "hash": "feel", "search": f"?client={path.stem}", "seq": 1}, [])
    assert app.session.client and app.session.workbook is not None and app.session.workbook.read_only
    app._message(None, {"event": "ping"}, [])
    app.touched_at -= 14 * 60
    app._message(None, {"event": "ping"}, [])
    assert app.session.workbook is not None  # within the practice's idle time
    app.touched_at -= 2 * 60
    app._message(None, {"event": "ping"}, [])
    assert app.session.workbook is None and app.session.client and app.session.locked == path.stem
    assert cipher.known_key(cipher.header_of(path)) is None and list(app.shown) == ["start"]
    assert "WORDS-OF-ROBIN" not in _texts(app.widget)


def test_the_command_line_asks_for_a_locked_practices_passphrase_once_and_then_works(
    home, tmp_path, quick_kdf
):
    """`clients`, `prepare` and `import` on a locked practice ask once, as the practice page
    does, and a copy they make is locked too; a wrong passphrase changes nothing."""
    from .test_lock import _cli

    folder = _practice_with_clients(home, tmp_path)
    lock.lock_all(folder, PASSPHRASE)
    cipher.forget()
    code, out = _cli(home, "clients", input=f"{PASSPHRASE}\n")
    assert code == 0, out
    assert out.count("Passphrase of your practice") == 1 and "Robin's notebook" in out
    cipher.forget()
    before = {p.name: p.read_bytes() for p in folder.path.glob("*.workbook")}
    code, out = _cli(home, "prepare", "Sam", "--out", str(tmp_path / "sam.rwshare"), input="not it\n")
    assert code == 2 and "doesn't open" in out
    assert {p.name: p.read_bytes() for p in folder.path.glob("*.workbook")} == before
    code, out = _cli(home, "prepare", "Sam", "--out", str(tmp_path / "sam.rwshare"), input=f"{PASSPHRASE}\n")
    assert code == 0, out
    assert len(list(folder.path.glob("*.workbook"))) == 2
    assert all(cipher.is_locked(p) for p in folder.path.glob("*.workbook"))
    cipher.forget()
    share = tmp_path / "alex.rwshare"
    share.write_bytes(_share(tmp_path, "Alex's pages", "WORDS-OF-ALEX"))
    code, out = _cli(
        home, "import", str(share), input=f"{PASSPHRASE}\n", env={"REJECTION_WORKBOOK_LANGUAGE": "es"}
    )
    assert code == 0, out
    assert "Frase de paso de tu consulta" in out
    assert all(cipher.is_locked(p) for p in folder.path.glob("*.workbook"))
    assert not any(b"WORDS-OF-ALEX" in p.read_bytes() for p in folder.path.iterdir() if p.is_file())
