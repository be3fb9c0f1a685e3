"""Issue 10: each class of problem an outside attack found, tried with generated input.

Every refusal must leave every folder byte-for-byte as it was.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import json
import os
import re
import sqlite3
import unicodedata
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbook
from tests.hostile.corpus import (
    REMOVED,
    SURROGATES,
    hostile_texts,
    position,
    record,
    replace_records,
    zip_with_entries,
)
from tests.test_notebooks import _headings
from tests.test_share import folder_hash
from workbook import cli, exchange, lock, model, registry, share, store, text
from workbook import home as home_module
from workbook.export import export_zip, frame_to_csv, read_zip
from workbook.frames import all_frames
from workbook.model import InvalidEntry
from workbook.share import ShareError
from workbook.stages import feel, grow, heal, journey, practice, reason, start, support
from workbook.store import Home, Workbook, WorkbookError

from .locking import check_disk, make


@pytest.fixture
def good(client):
    return exchange.share_file(client, [4])


OVERRIDES = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _expected(value: str, *, name: bool) -> str | None:
    """What the text rule should make of `value` (said again here, independently), or None
    when it should refuse it."""
    if any(unicodedata.category(c) == "Cs" for c in value):
        return None
    kept = "".join(
        c for c in value if c in "\n\r\t" or (unicodedata.category(c) != "Cc" and c not in OVERRIDES)
    )
    if name:
        kept = " ".join(unicodedata.normalize("NFC", kept).split())
    return kept if kept.strip() else None


# -- 1. one text rule, every door ----------------------------------------------------------------
def test_the_text_rule_is_the_same_through_every_door(home, client, good):
    letter = position(good, "letter")
    for number, value in enumerate(hostile_texts()):
        # a practice of its own for each file (inside `home`, so the hash below covers it):
        # each import lists the practice's workbooks, and 95 in one made this test quadratic
        practice_home = exchange.practice_home(home.path / f"practice-{number}")
        want_long, want_name = _expected(value, name=False), _expected(value, name=True)
        # a page (model.validate) and the store
        if want_long is None:
            with pytest.raises(InvalidEntry):
                client.put("letter", {"text": value})
        else:
            assert client.put("letter", {"text": value})["text"] == want_long
        if want_name is None:
            with pytest.raises(InvalidEntry):
                client.put("quality", {"text": value})
        else:
            assert client.put("quality", {"text": value})["text"] == want_name
        # a share file: the name in its header, the text of an entry
        before = folder_hash(home.path)
        forged = replace_records(
            good, [record(good, letter, data={"text": value})], name=value, exchange_id=f"{number:032x}"
        )
        if want_name is None or want_long is None or "/" in want_name:
            with pytest.raises(ShareError) as caught:
                exchange.import_share(practice_home, forged)
            assert str(caught.value) == "The name in this file is missing or not a plain name."
            assert folder_hash(home.path) == before
        else:
            result = exchange.import_share(practice_home, forged)
            with practice_home.open(result.slug) as copy:
                assert copy.name.startswith(want_name[:60].rstrip())
                assert want_long in [e["text"] for e in copy.entries("letter")]


def test_a_start_file_with_a_surrogate_in_its_name_or_note_is_refused_and_the_start_page_works(home):
    practice_home = exchange.practice_home(home)
    _slug, start_file = exchange.prepare(practice_home, "Sam", welcome_note="Welcome")
    from tests.hostile.corpus import _with

    for change in ({"name": "Sam\ud800"}, {"meta": {"welcome_note": "hi \udfff", "stages_on": [1]}}):
        bad = _with(start_file, header=lambda head, change=change: head.update(change))
        before = folder_hash(home.path)
        with pytest.raises(ShareError, match="text|name"):
            exchange.start_from(home, bad)
        assert folder_hash(home.path) == before
    page = start.StartPage()
    page.refresh()


def test_the_command_line_refuses_a_name_that_is_not_text(home, capsys):
    # a byte that isn't UTF-8 reaches Python's argv as a lone surrogate
    assert cli.main(["new", "Sam\udcff", "--home", str(home.path)]) == 2
    assert "valid text" in capsys.readouterr().err
    assert not home.path.exists() or not list(home.path.glob("*.workbook"))


def test_the_therapists_command_line_refuses_text_that_is_not_text(home, tmp_path, capsys):
    args = ["--home", str(home.path), "--out", str(tmp_path / "x.rwshare")]
    for extra in (["Sam", "--welcome", "Hi\udcff"], ["Sam", "--prompt", "2:Why\udcff?"], ["S\udcffm"]):
        assert cli.main(["prepare", *extra, *args]) == 2
        err = capsys.readouterr().err
        assert "valid text" in err and "Traceback" not in err
    assert not exchange.practice_home(home).path.exists() or not exchange.practice_home(home).list()
    assert not (tmp_path / "x.rwshare").exists()


def test_look_alike_names_are_told_apart_everywhere_they_are_listed(home, good, capsys):
    practice_home = exchange.practice_home(home)
    latin = exchange.import_share(practice_home, replace_records(good, [], name="Alex"))
    cyrillic = exchange.import_share(
        practice_home, replace_records(good, [], name="Аlex", exchange_id="ab" * 16)
    )
    assert latin.slug != cyrillic.slug
    # clients
    assert cli.main(["clients", "--home", str(home.path)]) == 0
    out = capsys.readouterr().out
    assert out.count("looks like another name") == 2
    # the practice page's table and chooser
    page = practice.Practice(home=home.path)
    shown = [label for label, _slug in page.choose.options]
    assert len(set(shown)) == 2 and all("looks like" in label for label in shown)
    assert page.clients_html.value.count("looks like another name") == 2
    # the start page's chooser (workbooks of one person)
    home.create("Sam").close()
    home.create("Ѕam").close()  # Cyrillic capital dze
    labels = [label for label, _slug in start.StartPage(home=home.path).choose.options]
    assert sum("looks like" in label for label in labels) == 2


def test_a_passphrase_is_the_same_however_its_accents_were_typed(client, monkeypatch):
    composed, decomposed = "caf\u00e9 au lait", "cafe\u0301 au lait"
    sealed = exchange.share_file(client, [4], passphrase=decomposed)
    assert share.read(sealed, passphrase=composed).type == "share"
    # a file sealed before passphrases were normalised (its key made from the form typed)
    plain = exchange.share_file(client, [4])
    with monkeypatch.context() as old_app:
        old_app.setattr(text, "passphrase_forms", lambda p: [p])
        old = share.seal(plain, decomposed)
    assert share.read(old, passphrase=decomposed).type == "share"
    with pytest.raises(ShareError, match="doesn't open"):
        share.read(old, passphrase=composed)  # typed the other way, the old key can't be found


CHARACTERS = st.one_of(
    st.text(max_size=300),
    st.lists(st.integers(0, 0x10FFFF), max_size=120).map(lambda cs: "".join(map(chr, cs))),
    st.lists(st.sampled_from([*SURROGATES, *REMOVED, "\n", "a", "é", "e\u0301", " "]), max_size=40).map(
        "".join
    ),
)


def test_any_text_is_saved_as_normalised_or_refused_and_every_page_still_builds(home):
    wb = home.create("Property")
    home.set_current(wb.path.stem)

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(value=CHARACTERS, long=st.booleans())
    def save_or_refuse(value, long):
        kind = "letter" if long else "quality"
        try:
            entry = wb.put(kind, {"text": value})
        except InvalidEntry as exc:
            assert str(exc).strip()
            assert _expected(value, name=not long) is None or len(value) > model.SHORT_TEXT
            return
        assert wb.get(entry.entry_id)["text"] == _expected(value, name=not long)
        wb.get(entry.entry_id)["text"].encode("utf-8")  # valid Unicode, always

    save_or_refuse()
    # a full-length letter fits exactly; one more character is refused with a message
    wb.put("letter", {"text": "é" * model.LONG_TEXT})
    with pytest.raises(InvalidEntry, match="more than"):
        wb.put("letter", {"text": "é" * (model.LONG_TEXT + 1)})
    wb.close()
    for page in (start, feel, reason, grow, heal, support, journey):  # each page still builds, headed
        shown = page.show(home=home.path, slug=wb.path.stem)
        stage = next(s for s in registry.STAGES if s.module == page.__name__.rsplit(".", 1)[1])
        assert _headings(shown)[:1] == [stage.title]
    read_zip(export_zip(Workbook.open(wb.path)))


# -- 2. a client's file can't carry the therapist's words ---------------------------------------
@pytest.mark.parametrize("file_type", ["share", "return", "start"])
def test_only_the_senders_own_writing_is_accepted(home, client, good, file_type):
    practice_home = exchange.practice_home(home)
    slug, _start = exchange.prepare(practice_home, "Client copy")
    with practice_home.open(slug) as copy:
        note = exchange.annotate(copy, 2, "The therapist's own note.")
    client.set_meta("exchange_id", "cd" * 16)
    before = folder_hash(home.path)
    sender = share.AUTHOR_OF[file_type]
    forged_count = 0
    for kind in model.KINDS:
        for author in model.AUTHORS:
            if author == sender and kind in share.allowed_kinds(file_type):
                continue  # the sender's own writing: accepted (see the round-trip tests)
            # the note's own id, so an accepted record would rewrite the therapist's note
            rec = record(good, 0, kind=kind, author=author, entry_id=note.entry_id, data={"stage": 2})
            forged = replace_records(good, [rec], type=file_type, exchange_id="cd" * 16, stages=[2])
            with pytest.raises(ShareError, match="never carries") as caught:
                if file_type == "share":
                    exchange.import_share(practice_home, forged)
                elif file_type == "return":
                    exchange.open_return(client, forged)
                else:
                    exchange.start_from(home, forged)
            assert "Traceback" not in str(caught.value)
            forged_count += 1
    assert forged_count >= len(model.KINDS)
    assert folder_hash(home.path) == before
    with practice_home.open(slug) as copy:
        assert copy.get(note.entry_id)["text"] == "The therapist's own note."


def test_a_share_carries_only_the_clients_writing(home):
    practice_home = exchange.practice_home(home)
    _slug, start_file = exchange.prepare(practice_home, "Kim", prompts={2: ["What felt unfair?"]})
    wb = exchange.start_from(home, start_file)
    prompt = wb.entries("therapist_prompt")[0]
    wb.put("prompt_answer", {"prompt_id": prompt.entry_id, "text": "The timing."})
    bundle = share.read(exchange.share_file(wb, [2]))
    assert {r.author for r in bundle.revisions} == {"me"}
    assert exchange.import_share(practice_home, exchange.share_file(wb, [2])).added == 1


# -- 3. limits that hold -------------------------------------------------------------------------
def test_a_zip_listing_hundreds_of_thousands_of_parts_is_refused_before_it_is_listed(home):
    data = zip_with_entries(180_000)
    assert len(data) <= share.MAX_FILE
    with pytest.raises(ShareError, match="65,535 parts"):
        share.read(data)
    # a table of contents that says "two" but is far longer than two entries' worth
    end = data.rindex(b"PK\x05\x06")
    lying = data[: end + 8] + (2).to_bytes(2, "little") * 2 + data[end + 12 :]
    with pytest.raises(ShareError, match="table of contents"):
        share.read(lying)


def test_the_command_line_checks_the_size_before_reading(home, tmp_path, capsys):
    big = tmp_path / "big.rwshare"
    with open(big, "wb") as fh:
        fh.truncate(share.MAX_FILE + 1)  # sparse: nothing to read, so only a size check can refuse it
    read = []
    original = Path.read_bytes
    Path.read_bytes = lambda self: read.append(self) or original(self)
    try:
        assert cli.main(["import", str(big), "--home", str(home.path)]) == 2
    finally:
        Path.read_bytes = original
    assert "too large" in capsys.readouterr().err
    assert not read


def _record_line(data) -> bytes:
    rec = {
        "rev_id": "a" * 32,
        "entry_id": "b" * 32,
        "kind": "letter",
        "parent_rev": None,
        "author": "me",
        "written_at": "2026-01-01T00:00:00+00:00",
        "deleted": False,
        "data": data,
    }
    return json.dumps(rec).encode() + b"\n"


@pytest.mark.parametrize(
    "what, body, words",
    [
        ("too many records", None, "more than"),
        ("a line too long", b'{"a": "' + os.urandom(share.MAX_LINE).hex().encode() + b'"}\n', "far too long"),
        ("nested lists", b'{"data": ' + b"[" * 9 + b"]" * 9 + b"}\n", "nested"),
        ("nested past recursion", b"[" * 60_000 + b"\n", "nested"),
        ("nested in data", _record_line({"text": [[["deep"]]]}), "nested"),
    ],
)
def test_records_are_capped(home, good, what, body, words):
    from tests.hostile.corpus import _with

    if body is None:  # the header alone claims too many records
        forged = _with(good, header=lambda head: head.update(records=share.MAX_RECORDS + 1))
    else:
        forged = _with(good, records=body)
    before = folder_hash(home.path)
    with pytest.raises(ShareError, match=words):
        exchange.import_share(exchange.practice_home(home), forged)
    assert folder_hash(home.path) == before


def test_more_records_than_the_header_says_is_refused_by_the_limit_not_as_damage(home, good):
    from tests.hostile.corpus import _members, _zip

    body = b"{}\n" * (share.MAX_RECORDS + 1)
    head = json.loads(_members(good)["header.json"])
    head.update(records=3, sha256=hashlib.sha256(body).hexdigest())
    forged = _zip(
        [("header.json", json.dumps(head).encode()), ("records.jsonl", body)], compression=zipfile.ZIP_STORED
    )
    before = folder_hash(home.path)
    with pytest.raises(ShareError, match=f"more than {share.MAX_RECORDS:,} entries"):
        exchange.import_share(exchange.practice_home(home), forged)
    assert folder_hash(home.path) == before


# -- 4. spreadsheet formulas ---------------------------------------------------------------------
@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r", "'=", "''+"])
def test_formula_cells_are_guarded_in_the_one_csv_writer_and_read_back_exactly(wb, lead):
    value = f'{lead}HYPERLINK("http://x","y")'
    wb.put("letter", {"text": value})
    wb.put("trait", {"name": f"{lead.strip()}1+1", "rating": -2, "domain": "other"})
    frames = all_frames(wb)
    for name in ("letter", "trait"):
        rows = list(csv.reader(io.StringIO(frame_to_csv(frames[name]).decode("utf-8-sig"), newline="")))
        cells = [cell for row in rows[1:] for cell in row]
        assert not [
            c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or c[:1] == "-" and not c[1:].isdigit()
        ]
    assert "'" + value in cells_of(frames["letter"])
    _document, again = read_zip(export_zip(wb))
    assert list(again["letter"]["text"]) == [value]
    assert list(again["trait"]["name"]) == [f"{lead.strip()}1+1"]
    # the share format stays exact
    bundle = share.read(exchange.share_file(wb, [4]))
    assert [r.data["text"] for r in bundle.revisions if r.kind == "letter"] == [value]


def cells_of(frame) -> list[str]:
    rows = csv.reader(io.StringIO(frame_to_csv(frame).decode("utf-8-sig"), newline=""))
    return [cell for row in rows for cell in row]


# -- 5. damaged and full disks -------------------------------------------------------------------
def test_one_damaged_workbook_is_listed_as_damaged_and_the_others_work(home, capsys):
    damaged = home.create("Damaged")
    damaged.put("letter", {"text": "hi"})
    damaged.close()
    home.create("Fine").close()
    good_bytes = damaged.path.read_bytes()
    schema = good_bytes.index(b"CREATE")  # the schema's SQL, in the file's first page
    seen_damaged = 0
    for offset in range(schema, 4096, 5):  # one byte at a time across the whole schema
        damaged.path.write_bytes(
            good_bytes[:offset] + bytes([good_bytes[offset] ^ 0xFF]) + good_bytes[offset + 1 :]
        )
        before = damaged.path.read_bytes()
        infos = {info.slug: info for info in home.list()}
        assert infos["fine"].problem == "" and infos["fine"].name == "Fine"
        if infos["damaged"].problem:
            seen_damaged += 1
            assert "damaged.workbook is damaged" in infos["damaged"].problem
            assert "export" in infos["damaged"].problem
            with pytest.raises(WorkbookError, match="damaged"):
                home.open("damaged")
        else:  # SQLite could still read it all: then it is simply a workbook
            with home.open("damaged") as wb:
                assert [e["text"] for e in wb.entries("letter")] == ["hi"]
        assert damaged.path.read_bytes() == before  # kept, never overwritten
    assert seen_damaged > 20
    # the last damage seen, through the command line and the start page
    damaged.path.write_bytes(good_bytes[:offset] + b"\xff" * 40 + good_bytes[offset + 40 :])
    assert cli.main(["list", "--home", str(home.path)]) == 0
    out = capsys.readouterr().out
    assert "Fine" in out and "damaged.workbook is damaged" in out
    assert cli.main(["new", "Another", "--home", str(home.path)]) == 0
    labels = [label for label, _slug in start.StartPage(home=home.path).choose.options]
    assert "damaged (can't be opened)" in labels and "Fine" in labels


def test_a_first_import_killed_half_way_leaves_no_client_copy_and_the_retry_works(home, good):
    practice_home = exchange.practice_home(home)
    original = Workbook.apply_revisions

    def killed(self, revisions):
        raise KeyboardInterrupt  # as if the process stopped here

    Workbook.apply_revisions = killed
    try:
        with pytest.raises(KeyboardInterrupt):
            exchange.import_share(practice_home, good)
    finally:
        Workbook.apply_revisions = original
    assert not list(practice_home.path.iterdir())
    # a copy staged by a process that was killed outright is swept up by the next try
    (practice_home.path / ".client.999999999.0a1b2c3d.creating").write_bytes(b"")
    result = exchange.import_share(practice_home, good)
    assert result.new_client and [i.slug for i in practice_home.list()] == [result.slug]
    assert [p.name for p in practice_home.path.iterdir()] == [f"{result.slug}.workbook"]


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs (the machine and CI run as root); skipped where mounting is impossible."""
    import subprocess

    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode:
        pytest.skip(f"can't mount a small tmpfs here ({done.stderr.decode().strip()[:80]})")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    fd = os.open(filler, os.O_CREAT | os.O_WRONLY)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_says_so_and_leaves_no_empty_workbooks(small_disk, good, capsys, locked):
    home = Home(small_disk / "home")
    wb = Workbook.open(make(home, "Kept", locked))
    wb.put("letter", {"text": "Saved before the disk filled."})
    practice_home = exchange.practice_home(home)
    practice_home.ensure()
    filler = _fill(small_disk)
    with pytest.raises(WorkbookError, match="disk is full"):
        wb.put("letter", {"text": "x" * 15_000})
    with pytest.raises(WorkbookError, match="disk is full"):
        home.create("New")
    assert cli.main(["new", "Another", "--home", str(home.path)]) == 2
    assert "disk is full" in capsys.readouterr().err
    with pytest.raises(WorkbookError, match="disk is full"):
        exchange.import_share(practice_home, good)
    wb.close()
    files = sorted(p.name for p in home.path.rglob("*") if p.is_file())
    assert files == [wb.path.name], files  # no 0-byte or half-made workbook
    check_disk(home.path, locked, "Kept", "Saved before the disk filled.")
    assert all(p.stat().st_size for p in home.path.rglob("*.workbook"))
    if locked:  # and a lock or unlock on a full disk says so and leaves it as it was
        before = wb.path.read_bytes()
        with pytest.raises(WorkbookError, match="disk is full"):
            lock.unlock(home, wb.path.stem)
        assert sorted(p.name for p in home.path.rglob("*") if p.is_file()) == files
        assert wb.path.read_bytes() == before
    filler.unlink()
    assert [i.name for i in home.list()] == ["Kept"]
    if locked:
        with Workbook.open(wb.path) as again:
            assert [e["text"] for e in again.entries("letter")] == ["Saved before the disk filled."]
    assert exchange.import_share(practice_home, good).new_client


# -- 6. files written with --out -----------------------------------------------------------------
def test_out_in_a_missing_folder_is_a_message_and_leaves_nothing_behind(home, tmp_path, capsys):
    args = ["--home", str(home.path)]
    missing = tmp_path / "no-such-folder" / "sam.rwshare"
    assert cli.main(["prepare", "Sam", "--out", str(missing), *args]) == 2
    err = capsys.readouterr().err
    assert "doesn't exist" in err and "Traceback" not in err
    assert not exchange.practice_home(home).list()
    assert cli.main(["prepare", "Sam", "--out", str(tmp_path / "sam.rwshare"), *args]) == 0


@pytest.mark.parametrize("verb", ["share", "report", "prepare", "return"])
def test_an_existing_file_is_replaced_only_with_force(home, client, tmp_path, capsys, verb):
    args = ["--home", str(home.path)]
    target = tmp_path / ("out.html" if verb == "report" else "out.rwshare")
    target.write_bytes(b"precious")
    command = {
        "share": ["share", "Client", "--stages", "4"],
        "report": ["report", "Client"],
        "prepare": ["prepare", "Sam"],
        "return": ["return", "Sam"],
    }[verb]
    if verb == "return":
        exchange.prepare(exchange.practice_home(home), "Sam")
    before = folder_hash(home.path)
    assert cli.main([*command, "--out", str(target), *args]) == 2
    assert "--force" in capsys.readouterr().err
    assert target.read_bytes() == b"precious"
    assert folder_hash(home.path) == before
    assert cli.main([*command, "--out", str(target), "--force", *args]) == 0
    assert target.read_bytes() != b"precious"


# -- 7. ids and patterns: full matches only ------------------------------------------------------
# A valid example for every pattern that checks input; a new pattern must be added here.
EXAMPLES = {
    ("workbook.share", "ID_RE"): "0123456789abcdef0123456789abcdef",
    ("workbook.home", "SLUG_RE"): "after-the-interview",
    ("workbook.registry", "_KEY"): "reason",
    ("workbook.hub.service", "TOKEN_HEADER"): "token 0f1e2d3c4b5a",
    ("workbook.remind", "_TIME"): "09:30",
    ("workbook.remind", "_DAYS"): "3 days",
}
NOT_CHECKS = {  # patterns that find or guard something inside text, not check a whole value
    ("workbook.export", "_FORMULA"),
    ("workbook.export", "_GUARDED"),
    ("workbook.text", "_DROP"),
    ("workbook.text", "_LINE_BREAKS"),
    ("workbook.content", "_PHONE"),  # finds the numbers in a crisis line someone set
    ("workbook.voila_settings", "HASHED"),  # finds the content hash in a shipped file's name
}


def _modules():
    import importlib
    import pkgutil

    for info in pkgutil.walk_packages(workbook.__path__, "workbook."):
        if info.name != "workbook.server":  # imports Voilà; it holds no pattern
            yield importlib.import_module(info.name)


def test_every_pattern_that_checks_input_matches_in_full():
    found = {
        (module.__name__, name)
        for module in _modules()
        for name, value in vars(module).items()
        if isinstance(value, re.Pattern)
    }
    checks = found - NOT_CHECKS
    assert checks == set(EXAMPLES), "add an example for each new pattern (or list it in NOT_CHECKS)"
    for (module_name, name), example in EXAMPLES.items():
        pattern = getattr(__import__(module_name, fromlist=[name]), name)
        assert pattern.fullmatch(example)
        for attack in (example + "\n", example + "\r\n", "\n" + example, example + "\x00"):
            assert not pattern.fullmatch(attack)
    # and no code checks with .match or .search on them (which let a trailing newline through)
    for module in _modules():
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("match", "search")
                and isinstance(node.func.value, ast.Name)
                and (module.__name__, node.func.value.id) in checks
            ):
                raise AssertionError(f"{module.__name__}: {node.func.value.id}.{node.func.attr}")


@pytest.mark.parametrize("field", ["exchange_id", "rev_id", "entry_id", "parent_rev"])
@pytest.mark.parametrize("tail", ["\n", "\r\n", " ", "\x00"])
def test_an_id_with_anything_after_it_is_refused(home, good, field, tail):
    rec = record(good, 0)
    if field == "exchange_id":
        forged = replace_records(good, [rec], exchange_id=rec["entry_id"] + tail)
    else:
        rec[field] = (rec[field] or rec["rev_id"][::-1]) + tail
        forged = replace_records(good, [rec])
    before = folder_hash(home.path)
    with pytest.raises(ShareError):
        exchange.import_share(exchange.practice_home(home), forged)
    assert folder_hash(home.path) == before
    with pytest.raises(WorkbookError):
        store.check_slug("client" + tail)


# -- 9. a home that can't be read or written -----------------------------------------------------
def test_a_read_only_home_says_what_is_wrong(small_disk, capsys):
    import subprocess

    home = Home(small_disk / "home")
    home.create("Mine").close()
    exchange.prepare(exchange.practice_home(home), "Sam")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    args = ["--home", str(home.path)]
    for command in (["list"], ["clients"], ["export", "Mine", str(small_disk / "x.zip")]):
        assert cli.main([*command, *args]) == 2, command
        err = capsys.readouterr().err
        assert "read-only" in err, (command, err)
        assert "No clients yet" not in err and "no workbook called" not in err


def test_an_unreadable_home_says_what_is_wrong(home, monkeypatch, capsys):
    home.create("Mine").close()
    real = home_module.os.access
    monkeypatch.setattr(
        home_module.os, "access", lambda path, mode: False if Path(path) == home.path else real(path, mode)
    )
    for command in (["list"], ["clients"], ["export", "Mine", "x.zip"]):
        assert cli.main([*command, "--home", str(home.path)]) == 2
        assert "can't be read" in capsys.readouterr().err


def test_an_old_home_and_log_are_made_private(home):
    home.path.mkdir(mode=0o755)
    home.path.chmod(0o755)
    home.log_path.write_text("old\n")
    home.log_path.chmod(0o644)
    home.ensure()
    home.private_log()
    assert home.path.stat().st_mode & 0o777 == 0o700
    assert home.log_path.stat().st_mode & 0o777 == 0o600


def test_sqlite_damage_that_is_not_a_database_error_is_still_a_calm_message(home):
    wb = home.create("Odd")
    wb.close()
    with sqlite3.connect(wb.path) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'name'", (b"\xff\xfe not text",))
    with pytest.raises(WorkbookError, match="damaged"):
        Workbook.open(wb.path)
    assert [i.problem != "" for i in home.list()] == [True]


def test_the_share_file_zip_is_read_once_and_streamed(good):
    # records.jsonl is never held whole: reading keeps it packed and checks it line by line
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        assert zf.getinfo("records.jsonl").compress_type == zipfile.ZIP_DEFLATED
    assert share.read(good).type == "share"
