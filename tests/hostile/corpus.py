"""A corpus of broken and hostile exchange files, made fresh from a good one.

`cases(good, sealed)` returns (name, bytes, passphrase, words expected in the message).
`good` is a plain share file, `sealed` the same sealed with PASSPHRASE. Run this module
to write the corpus to a folder for a look: `python -m tests.hostile.corpus OUTDIR`.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import warnings
import zipfile
from pathlib import Path

PASSPHRASE = "correct horse"
ID = "0123456789abcdef0123456789abcdef"


def _zip(members: list[tuple[str, bytes]], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", compression=compression) as zf:
        warnings.simplefilter("ignore", UserWarning)  # duplicate names are one of the bad files
        for name, data in members:
            zf.writestr(
                zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0)), data, compress_type=compression
            )
    return buffer.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _with(good: bytes, *, header=None, records: bytes | None = None, fix_hash: bool = True) -> bytes:
    """`good` with its header changed by `header(dict)` and/or its records replaced."""
    parts = _members(good)
    head = json.loads(parts["header.json"])
    body = parts["records.jsonl"] if records is None else records
    if records is not None:
        head["records"] = len(body.splitlines())
    if fix_hash:
        head["sha256"] = hashlib.sha256(body).hexdigest()
    if header:
        header(head)
    return _zip([("header.json", json.dumps(head).encode()), ("records.jsonl", body)])


def _record(good: bytes, **changes) -> bytes:
    """The first record of `good` with `changes`, as the only line."""
    first = json.loads(_members(good)["records.jsonl"].splitlines()[0])
    for key, value in changes.items():
        if key == "data":
            first["data"].update(value)
        else:
            first[key] = value
    return (json.dumps(first) + "\n").encode()


def _set(key, value):
    return lambda head: head.__setitem__(key, value)


def cases(good: bytes, sealed: bytes) -> list[tuple[str, bytes, str | None, str]]:
    lines = _members(good)["records.jsonl"].splitlines(keepends=True)
    first = json.loads(lines[0])
    sealed_parts = _members(sealed)
    flipped = bytearray(sealed_parts["payload.bin"])
    flipped[len(flipped) // 2] ^= 0x01

    def sealed_with(header=sealed_parts["header.json"], payload=sealed_parts["payload.bin"]) -> bytes:
        return _zip([("header.json", header), ("payload.bin", payload)])

    bomb_body = b"0" * (60 * 1024 * 1024)
    out = [
        ("empty", b"", None, "empty"),
        ("truncated-half", good[: len(good) // 2], None, "cut short"),
        ("truncated-end", good[:-10], None, "cut short"),
        ("wrong-magic-text", b"hello, this is not a share file", None, "doesn't begin"),
        ("wrong-magic-sqlite", b"SQLite format 3\x00" + b"\x00" * 100, None, "doesn't begin"),
        ("wrong-magic-html", b"<html><script>alert(1)</script></html>", None, "doesn't begin"),
        (
            "zip-of-something-else",
            _zip([("header.json", b'{"format": "other"}'), ("records.jsonl", b"")]),
            None,
            "doesn't begin",
        ),
        ("newer-version", _with(good, header=_set("version", 2)), None, "newer version"),
        ("no-version", _with(good, header=lambda h: h.pop("version")), None, "format version"),
        ("unknown-type", _with(good, header=_set("type", "exploit")), None, "doesn't say what it is for"),
        ("notes-file-as-share", _with(good, header=_set("type", "return")), None, "notes file"),
        (
            "unknown-kind",
            _with(good, records=_record(good, kind="mind_control")),
            None,
            "kind this app doesn't know",
        ),
        ("oversized-field", _with(good, records=_record(good, data={"text": "x" * 300})), None, "characters"),
        (
            "oversized-line",
            _with(
                good,
                records=_record(
                    good,
                    data={"text": "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(9000))},
                ),
            ),
            None,
            "far too long",
        ),
        (
            "zip-bomb",
            _zip([("header.json", _members(good)["header.json"]), ("records.jsonl", bomb_body)]),
            None,
            "zip bomb",
        ),
        ("path-traversal", _zip([("../../etc/passwd", b"x"), ("header.json", b"{}")]), None, "path name"),
        ("absolute-path", _zip([("/tmp/evil", b"x"), ("header.json", b"{}")]), None, "path name"),
        ("folder-inside", _zip([("data/header.json", b"{}")]), None, "path name"),
        (
            "extra-member",
            _zip([("header.json", b"{}"), ("records.jsonl", b""), ("run.py", b"import os")]),
            None,
            "never has",
        ),
        ("duplicate-member", _zip([("header.json", b"{}"), ("header.json", b"{}")]), None, "twice"),
        ("no-header", _zip([("records.jsonl", b"")]), None, "no header"),
        ("duplicate-ids", _with(good, records=lines[0] + lines[0]), None, "duplicate id"),
        (
            "date-too-old",
            _with(good, records=_record(good, written_at="1850-01-01T00:00:00+00:00")),
            None,
            "out of range",
        ),
        (
            "date-far-future",
            _with(good, records=_record(good, written_at="2999-01-01T00:00:00+00:00")),
            None,
            "out of range",
        ),
        (
            "date-not-a-date",
            _with(good, records=_record(good, written_at="yesterday")),
            None,
            "date and time",
        ),
        (
            "tampered-plain",
            _with(
                good,
                records=lines[0].replace(b"kind", b"KIND", 1) if b"kind" in lines[0] else lines[0] + b" ",
                fix_hash=False,
            ),
            None,
            "changed after it was saved",
        ),
        (
            "tampered-ciphertext",
            sealed_with(payload=bytes(flipped)),
            PASSPHRASE,
            "changed after it was saved",
        ),
        (
            "tampered-sealed-header",
            sealed_with(header=sealed_parts["header.json"].replace(b'"version": 1', b'"version":1')),
            PASSPHRASE,
            "changed after it was saved",
        ),
        ("wrong-passphrase", sealed, "not the passphrase", "passphrase doesn't open"),
        ("no-passphrase", sealed, None, "protected with a passphrase"),
        (
            "scrypt-memory-bomb",
            sealed_with(header=sealed_parts["header.json"].replace(b'"n": 32768', b'"n": 1073741824')),
            PASSPHRASE,
            "out of range",
        ),
        ("bad-json-line", _with(good, records=b"{not json\n"), None, "isn't valid JSON"),
        ("deep-nesting", _with(good, records=b"[" * 30_000 + b"\n"), None, "nested"),
        (
            "nan-number",
            _with(
                good,
                records=_record(good, data={"text": "ok"}).replace(b'"deleted": false', b'"deleted": NaN'),
            ),
            None,
            "JSON",
        ),
        (
            "missing-parts",
            _with(good, records=json.dumps({"rev_id": first["rev_id"]}).encode() + b"\n"),
            None,
            "parts an entry has",
        ),
        ("bad-id", _with(good, records=_record(good, rev_id="../../x")), None, "proper id"),
        (
            "notes-client-author",
            _with(
                good,
                header=_set("type", "return"),
                records=_record(good, kind="therapist_note", author="me", data={"stage": 1, "text": "hi"}),
            ),
            None,
            "never carries",
        ),
        ("unshared-stage-smuggled", _with(good, header=_set("stages", [5])), None, "isn't shared"),
        ("count-mismatch", _with(good, header=_set("records", 999)), None, "different number"),
        (
            "html-in-name",
            _with(good, header=_set("name", "<script>alert(1)</script>" * 10)),
            None,
            "plain name",
        ),
        (
            "settings-smuggled",
            _with(good, header=_set("meta", {"welcome_note": "hi"})),
            None,
            "Only a start file",
        ),
        ("no-exchange-id", _with(good, header=_set("exchange_id", "../../../")), None, "which workbook"),
    ]
    return out


def main(folder: str) -> None:  # pragma: no cover - a helper for people
    import tempfile

    from workbook import exchange
    from workbook.store import Home

    with tempfile.TemporaryDirectory() as tmp:
        wb = Home(tmp).create("Corpus")
        wb.put("quality", {"text": "kind"})
        good = exchange.share_file(wb, [4])
        sealed = exchange.share_file(wb, [4], passphrase=PASSPHRASE)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for name, data, _pw, _words in cases(good, sealed):
        (out / f"{name}.rwshare").write_bytes(data)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1])


# -- generated classes (issue 10): text, authorship, limits ---------------------------------
# Characters the text rule refuses (lone surrogates: valid JSON escapes, invalid Unicode)...
SURROGATES = [chr(c) for c in (0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xDCFF)]
# ...and those it removes (controls, direction overrides); line breaks and tabs stay in long text.
REMOVED = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85, 0x9B)] + list(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
WORDS = ["Alex", "Аlex", "Sam", "e\u0301cole", "名前", "<b>x</b>", "=1+1", "  spaced  ", "ﬁne"]


def hostile_texts(seed: int = 10, count: int = 80) -> list[str]:
    """Words with refused or removed characters put in at random places (plus a few bare ones)."""
    import random

    rng = random.Random(seed)
    out = list(WORDS) + SURROGATES + ["".join(REMOVED)]
    for _ in range(count):
        word = list(rng.choice(WORDS))
        for _ in range(rng.randint(1, 3)):
            word.insert(rng.randint(0, len(word)), rng.choice(SURROGATES + REMOVED * 3))
        out.append("".join(word))
    return out


def replace_records(good: bytes, records: list[dict], **header) -> bytes:
    """`good` carrying exactly `records` (JSON, so lone surrogates travel as escapes)."""
    body = "".join(json.dumps(r) + "\n" for r in records).encode()
    return _with(good, records=body, header=lambda head: head.update(header))


def position(good: bytes, kind: str) -> int:
    """The number of `good`'s first record of `kind` (for `record`)."""
    kinds = [json.loads(line)["kind"] for line in _members(good)["records.jsonl"].splitlines()]
    return kinds.index(kind)


def record(good: bytes, number: int = 0, **changes) -> dict:
    """Record `number` of `good` with `changes` (and fresh ids, so it is new wherever it goes)."""
    rec = json.loads(_members(good)["records.jsonl"].splitlines()[number])
    salt = hashlib.sha256(repr(sorted(changes.items())).encode()).hexdigest()
    rec.update(rev_id=salt[:32], entry_id=salt[32:], parent_rev=None)
    rec.update(changes)
    return rec


def zip_with_entries(count: int) -> bytes:
    """A zip whose table of contents lists `count` entries (written directly, so it is quick)."""
    import struct

    local, central = io.BytesIO(), io.BytesIO()
    for number in range(count):
        name = f"{number}".encode()
        offset = local.tell()
        local.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0) + name)
        central.write(
            struct.pack(
                "<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0, 0, 0, 0, 0, offset
            )
            + name
        )
    n = min(count, 0xFFFF)
    directory = central.getvalue()
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, n, n, len(directory), local.tell(), 0)
    return local.getvalue() + directory + end
