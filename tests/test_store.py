"""The store: nothing written is lost, and nothing bad gets in."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
import time

import pandas as pd
import pytest

from workbook import cipher, schema, sqlfile, store
from workbook.frames import frame
from workbook.model import InvalidEntry
from workbook.store import SCHEMA_VERSION, Home, Workbook, WorkbookError

from .locking import PASSPHRASE, check_disk, make


def test_a_new_workbook_is_migrated_private_and_named(home):
    with home.create("After the interview") as wb:
        assert wb.schema_version == SCHEMA_VERSION
        assert wb.name == "After the interview"
        assert wb.meta("id")
        assert stat.S_IMODE(os.stat(wb.path).st_mode) == 0o600
        wb.put("quality", {"text": "patient"})
        for extra in ("-wal", "-shm"):
            side = wb.path.with_name(wb.path.name + extra)
            if side.exists():
                assert stat.S_IMODE(os.stat(side).st_mode) & 0o077 == 0
        assert wb._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert stat.S_IMODE(os.stat(home.path).st_mode) == 0o700
    assert [info.name for info in home.list()] == ["After the interview"]


@pytest.mark.parametrize(
    "bad", ["", "   ", "../secrets", "a/b", "back\\slash", ".hidden", "x" * 81, "\x07\u202e", "lone\ud800"]
)
def test_workbook_names_are_names_not_paths(home, bad):
    with pytest.raises(InvalidEntry) as err:
        home.create(bad)
    assert "name" in str(err.value).lower()
    assert not home.path.exists() or list(home.path.iterdir()) == []


def test_control_and_direction_characters_leave_a_name_and_it_is_nfc(home):
    with home.create("be\u0301ll\x07 \u202egnp.exe\u202c") as wb:
        assert wb.name == "béll gnp.exe"
    assert [info.name for info in home.list()] == ["béll gnp.exe"]


def test_same_name_twice_is_refused_and_rename_keeps_the_file(home):
    slug = home.create("Job").path.stem
    with pytest.raises(InvalidEntry, match="already"):
        home.create("job")
    home.rename(slug, "The job at the bakery")
    assert home.find("The job at the bakery").slug == slug


@pytest.mark.parametrize("slug", ["../x", "a/b", "", "UPPER", "x" * 70, None, 5, "abc\n"])
def test_links_with_bad_workbook_keys_are_refused(home, slug):
    with pytest.raises(WorkbookError):
        home.path_for(slug)


def test_editing_keeps_every_earlier_version(wb):
    first = wb.put("trait", {"name": "patience", "domain": "personality", "rating": -1})
    wb.put("trait", {"name": "patience", "domain": "personality", "rating": 2}, entry_id=first.entry_id)
    current = wb.get(first.entry_id)
    assert current["rating"] == 2
    assert current.created_at == first.created_at
    assert [r.data["rating"] for r in wb.history(first.entry_id)] == [-1, 2]
    history = frame(wb, "trait", history=True)
    assert list(history["rating"]) == [-1, 2]


def test_saving_the_same_thing_again_adds_no_version(wb):
    entry = wb.put("acceptance", {"text": "It happened."})
    wb.put("acceptance", {"text": "It happened."})
    assert len(wb.history(entry.entry_id)) == 1


def test_single_kinds_keep_one_entry(wb):
    wb.put("verdict", {"value": "holds"})
    wb.put("verdict", {"value": "can't know"})
    assert [e["value"] for e in wb.entries("verdict")] == ["can't know"]
    assert len(wb.history(kind="verdict")) == 2


def test_delete_is_soft_and_can_be_undone(wb):
    entry = wb.put("quality", {"text": "kind to animals"})
    wb.delete(entry.entry_id)
    assert wb.entries("quality") == []
    assert wb.entries("quality", include_deleted=True)[0].deleted
    wb.restore(entry.entry_id)
    assert [e["text"] for e in wb.entries("quality")] == ["kind to animals"]
    assert [r.deleted for r in wb.history(entry.entry_id)] == [False, True, False]


def test_invalid_entries_write_nothing(wb):
    before = wb.history()
    for kind, data in [
        ("checkin", {"ratings": {"sadness": 11}}),
        ("checkin", {"ratings": {"sadness": -1}}),
        ("checkin", {"ratings": {}}),
        ("trait", {"name": "x", "domain": "astrology", "rating": 1}),
        ("trait", {"name": "x", "domain": "personality", "rating": 4}),
        ("letter", {"text": "x" * 20_001}),
        ("rejection", {"kind": "friend", "happened_on": "2026-13-40"}),
        ("rejection", {"surprise": 1}),
        ("no such kind", {}),
    ]:
        with pytest.raises(InvalidEntry) as err:
            wb.put(kind, data)
        assert err.value.args[0].lstrip("“")[0].isupper()  # a sentence for a person
    assert wb.history() == before


def test_frames_have_real_dtypes(wb):
    wb.put("rejection", {"kind": "friend", "happened_on": "2026-10-02", "description": "We drifted."})
    wb.put("checkin", {"ratings": {"sadness": 7, "my own word": 3}, "stage": 1})
    wb.put("goal", {"title": "Call one friend a week", "done": False})
    rejection = frame(wb, "rejection")
    assert isinstance(rejection["created_at"].dtype, pd.DatetimeTZDtype)
    assert str(rejection["created_at"].dt.tz) == "UTC"
    assert isinstance(rejection["kind"].dtype, pd.CategoricalDtype)
    assert rejection.loc[0, "happened_on"] == pd.Timestamp("2026-10-02")
    assert rejection["description"].dtype == "string"
    goal = frame(wb, "goal")
    assert goal["done"].dtype == "boolean"
    emotions = frame(wb, "emotions").set_index("emotion")
    assert emotions.loc["sadness", "family"] == "sadness"
    assert emotions["intensity"].dtype == "Int64"
    assert pd.isna(emotions.loc["my own word", "pleasantness"])
    empty = frame(wb, "boundary")
    assert list(empty.columns)[:4] == ["entry_id", "created_at", "updated_at", "author"]
    assert isinstance(empty["type"].dtype, pd.CategoricalDtype)


def test_two_connections_writing_at_once_lose_nothing(home, locked):
    path = make(home, "Busy", locked)
    errors = []

    def writer(tag):
        try:
            with Workbook.open(path) as wb:
                for n in range(150):
                    wb.put("kind_act", {"done_on": "2026-11-01", "text": f"{tag} {n}"})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(tag,)) for tag in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    check_disk(home.path, locked, "Busy", "a 149", "b 149")  # the file and its log, before they are tidied
    with Workbook.open(path) as wb:
        texts = {e["text"] for e in wb.entries("kind_act")}
    assert texts == {f"{tag} {n}" for tag in "ab" for n in range(150)}


def test_a_process_killed_mid_write_leaves_every_committed_entry(home, tmp_path, locked):
    path = make(home, "Killed", locked)
    passphrase = PASSPHRASE if locked else None
    script = textwrap.dedent(
        f"""
        import sys
        from workbook.store import Workbook
        wb = Workbook.open({str(path)!r}, passphrase={passphrase!r})
        n = 0
        while True:
            entry = wb.put("letter", {{"text": "x" * 5000 + str(n)}})
            print(entry.entry_id, flush=True)
            n += 1
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    committed = []
    deadline = time.monotonic() + 30
    while len(committed) < 200 and time.monotonic() < deadline:
        committed.append(child.stdout.readline().strip())
    child.kill()  # SIGKILL: no chance to clean up
    child.wait()
    check_disk(home.path, locked, "Killed", "x" * 64)  # what the killed writer left: file, log, shm
    with Workbook.open(path) as wb:
        assert wb._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        saved = {e.entry_id for e in wb.entries("letter")}
    assert len(committed) == 200
    assert set(committed) <= saved


def test_a_newer_workbook_is_left_alone(home):
    path = home.create("From the future").path
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = path.read_bytes()
    with pytest.raises(WorkbookError, match="newer version"):
        Workbook.open(path)
    assert path.read_bytes() == before


def test_an_unreadable_file_gets_a_calm_message(home):
    home.ensure()
    bad = home.path / f"broken{store.SUFFIX}"
    bad.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(WorkbookError, match="broken.workbook is damaged"):
        Workbook.open(bad)
    assert [i.name for i in home.list()] == ["broken (can't be opened)"]
    assert "export" in home.list()[0].problem


def test_a_busy_workbook_says_so_and_keeps_what_was_saved(home, monkeypatch, locked):
    monkeypatch.setattr(sqlfile, "BUSY_TIMEOUT_MS", 200)
    wb = Workbook.open(make(home, "Locked", locked))
    wb.put("quality", {"text": "honest"})
    blocker = sqlfile.connect(wb.path, key=cipher.known_key(wb.header) if locked else None, header=wb.header)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with Workbook.open(wb.path) as other, pytest.raises(WorkbookError, match="busy"):
            other.put("quality", {"text": "brave"})
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert [e["text"] for e in wb.entries("quality")] == ["honest"]
    check_disk(home.path, locked, "Locked", "honest")
    wb.close()


def test_an_unwritable_home_gets_a_calm_message(tmp_path):
    if os.geteuid() == 0:
        target = tmp_path / "file-not-folder"
        target.write_text("")
        home = Home(target / "home")
    else:  # pragma: no cover - depends on who runs the tests
        target = tmp_path / "ro"
        target.mkdir(mode=0o500)
        home = Home(target / "home")
    with pytest.raises(WorkbookError, match="can't be written"):
        home.ensure()


def test_current_workbook_is_remembered(home):
    slug = home.create("One").path.stem
    assert home.current() is None
    home.set_current(slug)
    assert Home(home.path).current() == slug


def test_a_read_only_workbook_refuses_every_write(home):
    slug = home.create("Shared with me").path.stem
    path = home.path_for(slug)
    before = path.read_bytes()
    with home.open(slug, read_only=True) as wb:
        for write in (
            lambda: wb.put("quality", {"text": "sneaky"}),
            lambda: wb.set_meta("name", "Renamed"),
            lambda: wb.apply_revisions([]),
        ):
            with pytest.raises(WorkbookError, match="read-only"):
                write()
        assert wb.name == "Shared with me"
    assert path.read_bytes() == before


# -- named columns, migrations applied once each, listing that reads only -----------------------
@pytest.fixture
def one_more_migration(monkeypatch):
    """A later version of the app that adds a column to both tables (as a real change would)."""
    later = store.Migration(
        "a note on every version",
        (
            "ALTER TABLE revisions ADD COLUMN note TEXT",
            "ALTER TABLE entries ADD COLUMN note TEXT",
        ),
    )
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, later))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(schema.MIGRATIONS))
    schema.expected_schema.cache_clear()
    yield later
    schema.expected_schema.cache_clear()


def test_a_new_column_breaks_no_statement(home, one_more_migration):
    with home.create("Later") as wb:
        assert wb.schema_version == 2
        first = wb.put("quality", {"text": "patient"})
        wb.put("quality", {"text": "very patient"}, entry_id=first.entry_id)
        wb.delete(first.entry_id)
        wb.restore(first.entry_id)
        assert [e.data["text"] for e in wb.entries("quality")] == ["very patient"]
        history = wb.history(first.entry_id)
        assert [r.deleted for r in history] == [False, False, True, False]
        assert wb.counts() == {"quality": 1}
    with home.create("Other copy") as other:
        assert other.apply_revisions(history) == {"added": 4, "known": 0, "entries": 1}
        assert other.get(first.entry_id).data == {"text": "very patient"}


def test_a_migration_runs_once_and_an_older_file_is_brought_up_to_date(home, monkeypatch):
    path = home.create("Older").path
    later = store.Migration("one more table", ("CREATE TABLE extra (k TEXT PRIMARY KEY)",))
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, later))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 2)
    schema.expected_schema.cache_clear()
    try:
        for _ in range(2):  # the second opening finds it done and runs nothing again
            with Workbook.open(path) as wb:
                assert wb.schema_version == 2
                assert wb.name == "Older"
    finally:
        schema.expected_schema.cache_clear()


def _files(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_listing_workbooks_leaves_every_file_byte_identical(home, one_more_migration, monkeypatch):
    # three made by "this" version of the app, one of them open in another window...
    with home.create("Closed") as wb:
        wb.put("quality", {"text": "kind"})
    home.create("Also closed").close()
    still_open = home.create("Open elsewhere")
    still_open.put("letter", {"text": "Dear me"})
    # ...one made by an older version (before the later migration) and one damaged file
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 1)
    schema.expected_schema.cache_clear()
    home.create("Made by an older version").close()
    (home.path / f"broken{store.SUFFIX}").write_bytes(b"not a database" * 200)
    monkeypatch.undo()
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, one_more_migration))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 2)
    schema.expected_schema.cache_clear()
    try:
        before = _files(home.path)
        listed = {info.name: info for info in home.list()}
        assert _files(home.path) == before  # same files, same bytes: nothing written, nothing added
        assert set(listed) == {
            "Closed",
            "Also closed",
            "Open elsewhere",
            "Made by an older version",
            "broken (can't be opened)",
        }
        assert listed["Open elsewhere"].updated_at == still_open.last_change()
        assert "damaged" in listed["broken (can't be opened)"].problem
    finally:
        still_open.close()


def test_file_names_keep_accented_letters_as_plain_letters(home):
    # issue 21, item 13: 'Después de la entrevista' was 'despu-s-de-la-entrevista'
    with home.create("Después de la entrevista") as wb:
        wb.put("quality", {"text": "paciente"})
    with home.create("Año nuevo, ÑANDÚ y façade") as wb:
        pass
    names = {info.name: info.slug for info in home.list()}
    assert names["Después de la entrevista"] == "despues-de-la-entrevista"
    assert names["Año nuevo, ÑANDÚ y façade"] == "ano-nuevo-nandu-y-facade"
    assert store.slugify("面接のあと") == "workbook"  # nothing plain left: the usual name


def test_a_workbook_made_under_the_old_rule_keeps_its_name(home):
    # made before accents were kept: the file stays as it is and still opens by its key
    with home.create("Después de la entrevista") as wb:
        wb.put("quality", {"text": "paciente"})
    (home.path / f"despues-de-la-entrevista{store.SUFFIX}").rename(
        home.path / f"despu-s-de-la-entrevista{store.SUFFIX}"
    )
    [info] = home.list()
    assert info.slug == "despu-s-de-la-entrevista" and info.name == "Después de la entrevista"
    with home.open("despu-s-de-la-entrevista") as wb:
        assert wb.entries("quality")[0].data["text"] == "paciente"
    assert sorted(p.name for p in home.path.glob(f"*{store.SUFFIX}")) == [
        f"despu-s-de-la-entrevista{store.SUFFIX}"
    ]


def test_files_handed_over_use_the_same_rule():
    from workbook import exchange

    assert exchange.file_name("Después", "share").startswith("despues-share-")
    assert exchange.file_name("", "share").startswith("workbook-share-")
