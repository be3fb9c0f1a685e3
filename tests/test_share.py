"""The exchange file: round-trips, passphrases, and a corpus of broken and hostile files."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.hostile.corpus import PASSPHRASE, cases
from workbook import exchange, share
from workbook.share import NeedsPassphrase, ShareError
from workbook.store import Workbook


def folder_hash(path: Path) -> dict[str, str]:
    """Every file under `path` with its SHA-256 (the byte-for-byte state of a folder)."""
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def test_plain_file_round_trips_every_version(client):
    entry = client.entries("quality")[0]
    client.put("quality", {"text": "I listen well"}, entry_id=entry.entry_id)
    bundle = share.read(exchange.share_file(client, [4]), expect="share")
    assert bundle.type == "share" and bundle.stages == [4]
    assert {r.rev_id for r in bundle.revisions} == {r.rev_id for r in client.history()}
    assert bundle.revisions == client.history()


def test_sealed_file_opens_with_its_passphrase_only(client):
    data = exchange.share_file(client, [4], passphrase=PASSPHRASE)
    assert b"I keep going" not in data
    assert share.looks_protected(data)
    assert share.read(data, passphrase=PASSPHRASE).revisions == client.history()
    with pytest.raises(NeedsPassphrase, match="protected with a passphrase"):
        share.read(data)
    with pytest.raises(ShareError, match="passphrase doesn't open"):
        share.read(data, passphrase="Correct horse")


def test_every_changed_byte_of_a_sealed_file_is_noticed(client):
    data = exchange.share_file(client, [4], passphrase=PASSPHRASE)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        header, payload = zf.read("header.json"), zf.read("payload.bin")
    for position in range(0, len(payload), max(1, len(payload) // 25)):
        changed = bytearray(payload)
        changed[position] ^= 0x80
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            zf.writestr("header.json", header)
            zf.writestr("payload.bin", bytes(changed))
        with pytest.raises(ShareError, match="changed after it was saved"):
            share.read(buffer.getvalue(), passphrase=PASSPHRASE)


def test_a_file_of_the_wrong_type_says_what_it_is(client):
    data = exchange.share_file(client, [4])
    with pytest.raises(ShareError, match="share file from a client, not a notes file"):
        share.read(data, expect="return")


def test_the_format_is_documented_where_the_code_is():
    for words in ("header.json", "records.jsonl", "AES-256-GCM", "scrypt", '"version": 1'):
        assert words in share.__doc__


@pytest.fixture
def corpus(client):
    good = exchange.share_file(client, [4])
    sealed = exchange.share_file(client, [4], passphrase=PASSPHRASE)
    return cases(good, sealed)


def test_the_hostile_corpus_is_big_enough(corpus):
    assert len(corpus) >= 30
    assert len({name for name, *_ in corpus}) == len(corpus)


def test_every_hostile_file_is_refused_by_name_and_changes_nothing(home, client, corpus):
    practice = exchange.practice_home(home)
    slug, _start = exchange.prepare(practice, "Existing client")
    therapist_copy = practice.open(slug)
    exchange.annotate(therapist_copy, 1, "A note already here.")
    therapist_copy.close()
    client.close()
    before = folder_hash(home.path)
    client = Workbook.open(client.path)
    for name, data, passphrase, words in corpus:
        verb = exchange.open_return if name.startswith("notes-") else None
        with pytest.raises(ShareError) as caught:
            if verb:
                verb(client, data, passphrase=passphrase)
            else:
                exchange.import_share(practice, data, passphrase=passphrase)
        assert words.lower() in str(caught.value).lower(), (name, str(caught.value))
        assert "Traceback" not in str(caught.value)
        with pytest.raises(ShareError):
            exchange.open_return(client, data, passphrase=passphrase)
        with pytest.raises(ShareError):
            exchange.start_from(home, data)
    client.close()
    assert folder_hash(home.path) == before


def test_a_real_file_with_html_and_script_in_its_text_is_kept_as_text(home, client):
    result = exchange.import_share(exchange.practice_home(home), exchange.share_file(client, [4]))
    with exchange.practice_home(home).open(result.slug) as copy:
        assert "I listen <script>alert(1)</script>" in [e["text"] for e in copy.entries("quality")]


def test_size_limits_hold_against_lying_zip_entries(client):
    good = exchange.share_file(client, [4])
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        header = zf.read("header.json")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("header.json", header)
        zf.writestr("records.jsonl", b"\n" * (share.MAX_RECORDS + 10))
    with pytest.raises(ShareError):
        share.read(buffer.getvalue())


def test_nothing_is_ever_opened_as_a_database(home, client, tmp_path):
    sqlite_bytes = Path(client.path).read_bytes()
    with pytest.raises(ShareError, match="doesn't begin"):
        exchange.import_share(exchange.practice_home(home), sqlite_bytes)
    assert not exchange.practice_home(home).path.exists()


# -- a sealed file's header: every byte of it is sealed in -------------------------------------
def _parts(data: bytes) -> tuple[bytes, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read("header.json"), zf.read("payload.bin")


def _rezip(header: bytes, payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("header.json", header)
        zf.writestr("payload.bin", payload)
    return buffer.getvalue()


def _changed_headers(header: bytes):
    """(what, header bytes) for each field of a sealed file's header changed, added or re-spelled."""
    spec = json.loads(header)
    other = {
        "format": "rejection-workbook-exchange-x",
        "version": 2,
        "cipher": "AES-128-GCM",
        "kdf": "argon2id",
        "n": 2**14,
        "r": 7,
        "p": 2,
        "salt": base64.b64encode(bytes(16)).decode(),
        "nonce": base64.b64encode(bytes(12)).decode(),
        "check": base64.b64encode(bytes(16)).decode(),
    }
    for field, value in other.items():
        changed = json.loads(header)
        (changed if field in ("format", "version") else changed["encrypted"])[field] = value
        yield field, json.dumps(changed, indent=1).encode()
    # a kind, names or a version said outside the sealed part count for nothing: they're refused
    for field, value in (("type", "return"), ("name", "Someone else"), ("exchange_id", "0" * 32)):
        yield f"added {field}", json.dumps({**spec, field: value}, indent=1).encode()
    # the same fields, only spelled differently (order, spacing): the exact bytes are sealed in
    yield "reordered", json.dumps(dict(reversed(list(spec.items()))), indent=1).encode()
    yield "spacing", json.dumps(spec).encode()


def test_swapping_any_field_of_a_sealed_files_header_is_refused(client):
    data = exchange.share_file(client, [4], passphrase=PASSPHRASE)
    header, payload = _parts(data)
    assert share.read(_rezip(header, payload), passphrase=PASSPHRASE).revisions == client.history()
    seen = 0
    for what, changed in _changed_headers(header):
        assert changed != header, what
        with pytest.raises(ShareError) as caught:
            share.read(_rezip(changed, payload), passphrase=PASSPHRASE)
        assert "Traceback" not in str(caught.value), what
        seen += 1
    assert seen == 15


def test_what_a_sealed_file_is_and_who_it_names_travel_inside_the_seal(home, client):
    """The file's type, its exchange id, the name and stages, its format version: all in the
    sealed payload (whose AES-GCM tag covers them), none in the open header."""
    data = exchange.share_file(client, [4], passphrase=PASSPHRASE)
    header, _payload = _parts(data)
    for words in (b"share", b"Client", b"exchange_id", exchange.exchange_id(client).encode(), b"stages"):
        assert words not in header
    # notes sealed with the same passphrase can't be passed off as a share, nor a share as notes
    practice = exchange.practice_home(home)
    result = exchange.import_share(practice, data, passphrase=PASSPHRASE)
    with practice.open(result.slug) as copy:
        exchange.annotate(copy, 4, "A note")
        notes = exchange.return_notes(copy, passphrase=PASSPHRASE)
    with pytest.raises(ShareError, match="not a share file"):
        exchange.import_share(practice, notes, passphrase=PASSPHRASE)
    with pytest.raises(ShareError, match="not a notes file"):
        exchange.open_return(client, data, passphrase=PASSPHRASE)


def test_a_header_and_a_payload_from_two_files_sealed_with_one_passphrase_dont_mix(home, client):
    ann = exchange.share_file(client, [4], passphrase=PASSPHRASE)
    with home.create("Ben") as ben_wb:
        ben_wb.put("quality", {"text": "Ben's words"})
        ben = exchange.share_file(ben_wb, [4], passphrase=PASSPHRASE)
    (ann_header, ann_payload), (ben_header, ben_payload) = _parts(ann), _parts(ben)
    for header, payload in ((ann_header, ben_payload), (ben_header, ann_payload)):
        with pytest.raises(ShareError, match="changed after it was saved"):
            share.read(_rezip(header, payload), passphrase=PASSPHRASE)
