"""Reading a share file (its format and writing: `workbook.share`, where these names are
found too): opened within the limits below, the header checked against the published schema
and by hand for what a schema can't say, every record streamed, checked (`model.validate` and
the rules here) and held to the header's digest. `read` returns a `Bundle` only when all of it
passed, so a broken or hostile file changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import model, registry, share_schema, text
from .errors import InvalidEntry, ShareError, Words
from .sealing import HEADER, PAYLOAD, RECORDS, open_sealed
from .share_schema import FORMAT, MAX_RECORDS, MAX_WELCOME, VERSION, Mismatch
from .store import Revision, check_name

# Limits sized so that reading the largest file they allow stays under 300 MB of memory and
# 30 s (see benchmarks/exchange_limits.py); years of daily writing fit in a fraction of them.
MAX_FILE = 16 * 1024 * 1024  # bytes of the file as sent
MAX_HEADER = 64 * 1024
MAX_RECORDS_BYTES = 24 * 1024 * 1024  # records.jsonl once unpacked
MAX_LINE = 256 * 1024
MAX_DEPTH = 3  # JSON objects and lists inside each other in a record: the record, its data, ratings
MAX_DIRECTORY = 4096  # bytes of the zip's table of contents: three short names fit many times
MAX_RATIO = 100  # unpacked / packed size of a member; JSON lines of ours stay far below
CHUNK = 1024 * 1024  # records.jsonl is unpacked this much at a time
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

# Which kinds each type of file may carry, and who must have written them: a client's file
# carries only the client's own writing, a therapist's only the therapist's.
THERAPIST_KINDS = frozenset({"therapist_note", "therapist_prompt"})


def allowed_kinds(type: str) -> frozenset[str]:
    """The kinds of entry a file of `type` may carry (read when asked: a stage added to the
    registry, with its kinds in workbook.model, travels in share files with no change here)."""
    if type == "start":
        return frozenset({"therapist_prompt"})
    if type == "return":
        return THERAPIST_KINDS
    return frozenset(model.KINDS) - THERAPIST_KINDS


AUTHOR_OF = {"start": "therapist", "return": "therapist", "share": "me"}


def _say(part: str, which: str, /, **values) -> Words:
    """One of the sentences (or words) in data/text/share.toml, said when shown."""
    return Words("share", f"{part}.{which}", **values)


def _problem(part: str, which: str, /, **values) -> ShareError:
    """ShareError with the sentence `which` of the [part] table of data/text/share.toml."""
    return ShareError(f"{part}.{which}", **values)


@dataclass(frozen=True)
class _Either:
    """ "a start file or a notes file": the types a file was expected to be, said when shown."""

    types: tuple[str, ...]

    def words(self, lang: str | None = None) -> str:
        return _say("header", "or").words(lang).join(_say("types", t).words(lang) for t in self.types)


@dataclass
class Bundle:
    """What a file carries, after every check has passed."""

    type: str
    exchange_id: str
    name: str
    stages: list[int]
    revisions: list[Revision]
    meta: dict = field(default_factory=dict)
    created_at: str = ""


# -- reading ---------------------------------------------------------------------------------
def read(data: bytes, *, passphrase: str | None = None, expect: str | Iterable[str] | None = None) -> Bundle:
    """Check a file completely and return what it carries; ShareError names any problem.

    Nothing is written anywhere: callers apply the returned Bundle only after this returns.
    """
    header, members = _open(data)
    if "encrypted" in header:
        plain = _unseal(header, members, passphrase)
        header, members = _open(plain)
        if "encrypted" in header:
            raise _problem("file", "sealed_twice")
    return _bundle(header, members, expect)


def unseal(data: bytes, passphrase: str | None) -> bytes:
    """The plain bytes inside a file made by `seal` (other modules seal their own files this
    way: a key backup, say). ShareError if it isn't one; NeedsPassphrase / WrongPassphrase
    when the passphrase is missing or doesn't open it."""
    header, members = _open(data)
    if "encrypted" not in header:
        raise _problem("file", "not_sealed")
    return _unseal(header, members, passphrase)


def _open(data: bytes) -> tuple[dict, dict[str, bytes]]:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise _problem("file", "not_ours")
    data = bytes(data)
    if not data:
        raise _problem("file", "empty")
    if len(data) > MAX_FILE:
        raise _too_large(len(data))
    if not data.startswith(b"PK\x03\x04"):
        raise _problem("file", "not_ours")
    _check_directory(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise _problem("file", "damaged") from None
    if len(infos) > 3:
        raise _problem("file", "too_many_parts", count=len(infos))
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        if "/" in name or "\\" in name or ".." in name or ":" in name or name.startswith("."):
            raise _problem("file", "path_name", name=repr(name[:60]))
        if name not in (HEADER, RECORDS, PAYLOAD):
            raise _problem("file", "unknown_part", name=repr(name[:60]))
        if name in seen:
            raise _problem("file", "part_twice", name=repr(name))
        seen.add(name)
        if info.flag_bits & 0x1:
            raise _problem("file", "zip_password")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _problem("file", "packed_oddly")
        if info.file_size > 64 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _problem("file", "zip_bomb")
        limit = _limit(name)
        if info.file_size > limit:
            size, most = f"{info.file_size / 2**20:.1f}", f"{limit / 2**20:.1f}"
            raise _problem("file", "part_too_large", name=name, size=size, limit=most)
    if HEADER not in seen:
        raise _problem("file", "no_header")
    # the header and a sealed payload are read whole (both are small or bounded by MAX_FILE);
    # the records are left in the zip and streamed line by line by `_records`
    members: dict = {}
    for info in infos:
        if info.filename == RECORDS:
            members[RECORDS] = _Member(zf, info)
            continue
        limit = _limit(info.filename)
        with _unpacking(), zf.open(info) as fh:
            raw = fh.read(limit + 1)
        if len(raw) > limit:
            raise _problem("file", "part_too_large_short", name=info.filename)
        members[info.filename] = raw
    header = _json_object(members[HEADER], _say("file", "header"))
    if header.get("format") != FORMAT:
        raise _problem("file", "not_ours")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _problem("file", "no_version")
    if version > VERSION:
        raise _problem("file", "newer", version=version, ours=VERSION)
    return header, members


@dataclass
class _Member:
    """A member of the zip still packed: records are streamed, never held whole."""

    zf: zipfile.ZipFile
    info: zipfile.ZipInfo


@contextlib.contextmanager
def _unpacking():
    """Any way unpacking fails (bad deflate data, a short file) is a damaged file."""
    try:
        yield
    except ShareError:
        raise  # a limit reached while unpacking: its own message
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
        raise _problem("file", "damaged") from None


def _check_directory(data: bytes) -> None:
    """Refuse a zip whose table of contents is large, before `zipfile` reads any of it.

    A million tiny entries cost zipfile half a gigabyte just to list; ours has two or three.
    """
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or len(data) < end + 22:
        raise _problem("file", "damaged")
    _disk, _directory_disk, here, total, size = struct.unpack("<HHHHI", data[end + 4 : end + 16])
    if data[max(0, end - 20) : end - 16] == b"PK\x06\x07" or max(here, total) > 3:
        raise _problem("file", "too_many_parts", count=max(here, total))
    if size > MAX_DIRECTORY:
        raise _problem("file", "big_directory")


def read_file(path: str | os.PathLike) -> bytes:
    """The bytes of the file at `path`, refused by size before any of it is read."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > MAX_FILE:
            raise _too_large(size)
        data = fh.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:  # it grew while we read it
        raise _too_large(len(data))
    return data


def _too_large(size: int) -> ShareError:
    return _problem("file", "too_large", size=f"{size / 2**20:.0f}", limit=MAX_FILE // 2**20)


def _limit(name: str) -> int:
    return MAX_HEADER if name == HEADER else (MAX_FILE if name == PAYLOAD else MAX_RECORDS_BYTES)


def _json_object(raw: bytes, what: Words) -> dict:
    """One JSON object; what one line can cost is bounded by MAX_LINE (or MAX_HEADER)."""
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise _problem("file", "too_deep", what=what) from None
    except (UnicodeDecodeError, ValueError):
        raise _problem("file", "not_json", what=what) from None
    if not isinstance(value, dict):
        raise _problem("file", "not_object", what=what)
    return value


def _depth(value, limit: int = MAX_DEPTH + 1) -> int:
    """How deep objects and lists sit inside each other in `value` (counting stops past `limit`)."""
    if not isinstance(value, dict | list) or limit == 0:
        return 0
    deepest = 0
    for inner in value.values() if isinstance(value, dict) else value:
        if isinstance(inner, dict | list):
            deepest = max(deepest, _depth(inner, limit - 1))
    return 1 + deepest


def _no_constant(name: str):
    raise ValueError(f"{name} is not allowed")


def _unseal(header: dict, members: dict[str, bytes], passphrase: str | None) -> bytes:
    if PAYLOAD not in members or RECORDS in members:
        raise _problem("sealed", "missing_part")
    return open_sealed(header, members[HEADER], members[PAYLOAD], passphrase)


def _header_problem(exc: Mismatch, header: dict) -> ShareError:
    """What to say when the header and the schema differ, by the part that differs."""
    stages = registry.method_numbers()
    meta = header.get("meta")
    simple = {
        "type": ("header", "no_purpose", {}),
        "exchange_id": ("header", "no_exchange_id", {}),
        "name": ("header", "bad_name", {}),
        "stages": ("header", "bad_stages", {"first": stages[0], "last": stages[-1]}),
        "sha256": ("file", "changed", {}),
        "format": ("file", "not_ours", {}),
        "version": ("file", "no_version", {}),
    }
    if exc.field in simple:
        part, key, values = simple[exc.field]
        return _problem(part, key, **values)
    if exc.field == "records":
        if exc.rule == "maximum":
            return _problem("file", "too_many_records", limit=MAX_RECORDS)
        return _problem("file", "changed")
    if exc.field == "meta":
        inner = exc.path[1] if len(exc.path) > 1 else ""
        if inner == "welcome_note":
            return _problem("header", "welcome_too_long", limit=MAX_WELCOME)
        if inner == "stages_on":
            return _problem("header", "bad_stages_on")
        if exc.rule == "additionalProperties" and isinstance(meta, dict):
            unknown = sorted(set(meta) - {"welcome_note", "stages_on"})
            return _problem("header", "unknown_setting", name=repr(unknown[0][:40]))
        return _problem("header", "settings_unreadable")
    return _problem("header", "unreadable")


def _bundle(header: dict, members: dict[str, bytes], expect) -> Bundle:
    # the published schema (workbook/share_schema.py) checks the header's shape; the rest
    # here is what it can't say: the text rule, settings per type, the digest, the limits
    try:
        share_schema.check("header", header)
    except Mismatch as exc:
        raise _header_problem(exc, header) from None
    kind = header["type"]
    if expect is not None:
        wanted = (expect,) if isinstance(expect, str) else tuple(expect)
        if kind not in wanted:
            raise _problem("header", "wrong_type", this=_say("types", kind), wanted=_Either(wanted))
    try:
        name = check_name(header["name"])
    except InvalidEntry:
        raise _problem("header", "bad_name") from None
    stages = header["stages"]
    if not _whole_numbers(stages):
        raise _header_problem(Mismatch(["stages"], "type"), header)
    if not _whole_numbers([header["records"]]):
        raise _problem("file", "changed")
    meta = _check_meta(header.get("meta", {}), kind)
    if RECORDS not in members or PAYLOAD in members:
        raise _problem("file", "no_entries")
    revisions = _records(members[RECORDS], kind, stages, header["sha256"])
    if header["records"] != len(revisions):
        raise _problem("file", "count_differs")
    created = header.get("created_at")
    return Bundle(kind, header["exchange_id"], name, sorted(stages), revisions, meta, str(created or ""))


def _whole_numbers(values: list) -> bool:
    """JSON Schema counts 2.0 as an integer; the workbook's numbers are only ever 2."""
    return all(type(v) is int for v in values)


def _check_meta(meta: dict, kind: str) -> dict:
    """A start file's settings (their shape already checked by the schema), cleaned."""
    if meta and kind != "start":
        raise _problem("header", "settings_not_start")
    clean = {}
    note = meta.get("welcome_note")
    if note is not None:
        try:
            note = text.clean_text(note, what=Words("messages", "exchange.welcome_word"))
        except InvalidEntry as exc:
            raise _problem("header", "welcome_unusable", problem=exc) from None
        if len(note) > MAX_WELCOME:
            raise _problem("header", "welcome_too_long", limit=MAX_WELCOME)
        clean["welcome_note"] = note
    on = meta.get("stages_on")
    if on is not None:
        if not _whole_numbers(on):
            raise _problem("header", "bad_stages_on")
        clean["stages_on"] = sorted(set(on))
    return clean


def _lines(member: _Member, digest: str):
    """(number, line) for each record line of `member`, unpacked a chunk at a time; None last,
    once the bytes have been checked against `digest` (CHANGED if they differ)."""
    hasher, total, count, rest = hashlib.sha256(), 0, 0, b""

    def numbered(line: bytes):
        nonlocal count
        count += 1
        if count > MAX_RECORDS:
            raise _problem("file", "too_many_records", limit=MAX_RECORDS)
        return count, line

    with _unpacking(), member.zf.open(member.info) as fh:
        while chunk := fh.read(CHUNK):
            total += len(chunk)
            if total > MAX_RECORDS_BYTES:
                raise _problem("file", "records_too_large", limit=MAX_RECORDS_BYTES // 2**20)
            hasher.update(chunk)
            *lines, rest = (rest + chunk).split(b"\n")
            if len(rest) > MAX_LINE:  # a line that never ends: handed on to be reported as too long
                lines.append(rest)
                rest = b""
            for line in lines:
                yield numbered(line)
    if rest:  # a last line without a newline
        yield numbered(rest)
    if not hmac.compare_digest(digest, hasher.hexdigest()):
        raise _problem("file", "changed")
    yield None


def _records(member: _Member, type: str, stages: list[int], digest: str) -> list[Revision]:
    """Every record checked, streamed from the zip; a file changed after saving is reported
    as changed even when a changed record is what failed its check."""
    revisions: list[Revision] = []
    problem: ShareError | None = None
    seen: set[str] = set()
    latest = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    for item in _lines(member, digest):
        if item is None or problem is not None:
            continue  # keep reading: the digest at the end decides between "changed" and `problem`
        number, line = item
        try:
            revisions.append(_revision(number, line, type, seen, latest))
        except ShareError as exc:
            problem = exc
            revisions.clear()
    if problem is not None:
        raise problem
    if type == "share":
        prompts = registry.question_stages(revisions)
        for number, r in enumerate(revisions, start=1):
            stage = registry.stage_of(r, prompts)
            if stage and stage not in stages:
                raise _problem("entry", "not_shared", number=number, stage=stage)
    return revisions


# The part of a record that differs from the schema -> what to say about it.
RECORD_PROBLEMS = {
    "rev_id": "no_id",
    "entry_id": "no_entry_id",
    "parent_rev": "bad_parent",
    "kind": "unknown_kind",
    "author": "unknown_author",
    "deleted": "not_plain_deleted",
    "written_at": "no_date",
}


def _revision(number: int, line: bytes, type: str, seen: set[str], latest: dt.datetime) -> Revision:
    where = _say("entry", "where", number=number)
    if len(line) > MAX_LINE:
        raise _problem("entry", "too_long", where=where, limit=MAX_LINE)
    rec = _json_object(line, _say("file", "entry", number=number))
    if _depth(rec) > MAX_DEPTH:
        raise _problem("entry", "too_deep", where=where)
    try:
        share_schema.check("record", rec)
    except Mismatch as exc:
        if exc.rule in ("required", "additionalProperties") and len(exc.path) <= 1:
            raise _problem("entry", "no_parts", where=where) from None
        if exc.field == "data":
            raise _problem("entry", "unusable", where=where, problem=_data_problem(rec)) from None
        kind = rec.get("kind")
        shown = repr(kind[:40] if isinstance(kind, str) else kind)
        raise _problem("entry", RECORD_PROBLEMS[exc.field], where=where, kind=shown) from None
    rev_id, entry_id, parent, kind, author = (
        rec[k] for k in ("rev_id", "entry_id", "parent_rev", "kind", "author")
    )
    if rev_id in seen:
        raise _problem("entry", "duplicate", where=where)
    seen.add(rev_id)
    if kind not in allowed_kinds(type):
        raise _problem(
            "entry", "kind_not_carried", where=where, kind=kind.replace("_", " "), type=_say("types", type)
        )
    if author != AUTHOR_OF[type]:
        raise _problem(
            "entry",
            "wrong_author",
            where=where,
            author=_say("who", author),
            type=_say("types", type),
            carrier=_say("who", AUTHOR_OF[type]),
        )
    written = rec["written_at"]
    try:
        stamp = dt.datetime.fromisoformat(written)
    except ValueError:
        stamp = None
    if stamp is None or stamp.tzinfo is None:
        raise _problem("entry", "no_date", where=where)
    if not EARLIEST <= stamp <= latest:
        raise _problem("entry", "date_out_of_range", where=where, year=str(stamp.year))
    try:
        data = model.validate(kind, rec["data"])
    except InvalidEntry as exc:
        raise _problem("entry", "unusable", where=where, problem=exc) from None
    stamp_text = stamp.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return Revision(rev_id, entry_id, kind, parent, author, stamp_text, rec["deleted"], data)


def _data_problem(rec: dict) -> InvalidEntry | str:
    """The model's own words for a record's data that isn't an object (or can't be used)."""
    try:
        model.validate(rec.get("kind"), rec.get("data"))
    except InvalidEntry as exc:
        return exc
    return ""


def looks_protected(data: bytes) -> bool:
    """True when `data` is a sealed file (so a page can ask for the passphrase first)."""
    try:
        header, _members = _open(data)
    except ShareError:
        return False
    return "encrypted" in header
