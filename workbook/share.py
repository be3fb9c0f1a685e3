"""The exchange file: how entries travel between a client's workbook and a therapist.

A file is data we parse and check, never a database we open or code we run. Every
record is checked (`model.validate` and the rules below) before anything is written,
so a broken or hostile file changes nothing.

FORMAT, version 1 (`FORMAT` / `VERSION` below)
==============================================
A plain file is a ZIP archive (stored or deflated members, no folders) holding exactly:

``header.json`` — one UTF-8 JSON object (at most 64 KiB)::

    {"format": "rejection-workbook-exchange", "version": 1,
     "type": "start" | "share" | "return",
     "created_at": "<ISO 8601 UTC>", "app": "<app version>",
     "exchange_id": "<32 hex digits: the client workbook this belongs to>",
     "name": "<the workbook's name or the client's alias, up to 80 characters>",
     "stages": [<the stages 1-5 this file carries>],
     "meta": {"welcome_note": "<text>", "stages_on": [1, 2, ...]},   # start files only
     "records": <number of lines in records.jsonl>,
     "sha256": "<hex SHA-256 of records.jsonl>"}

``records.jsonl`` — one saved version of an entry per line, as the store keeps them::

    {"rev_id": "<32 hex>", "entry_id": "<32 hex>", "kind": "<a kind in workbook.model>",
     "parent_rev": "<32 hex>" | null, "author": "me" | "therapist",
     "written_at": "<ISO 8601 UTC>", "deleted": false, "data": {<the kind's fields>}}

The three types: a *start* file (therapist -> client: welcome note, stages, the
therapist's prompts), a *share* file (client -> therapist: the stages the client chose),
a *return* file (therapist -> client: the therapist's notes and prompts).

With a passphrase the file is a ZIP holding ``header.json``::

    {"format": ..., "version": 1, "encrypted": {"cipher": "AES-256-GCM", "kdf": "scrypt",
     "n": 32768, "r": 8, "p": 1, "salt": "<base64>", "nonce": "<base64>", "check": "<base64>"}}

and ``payload.bin``: a whole plain file (the ZIP above) sealed with AES-256-GCM under a
key derived by scrypt from the passphrase (in Unicode NFC; readers also try it as typed,
which earlier versions used), with the exact bytes of ``header.json`` as
associated data (so neither part can be changed unnoticed). ``check`` is a hash of a
second scrypt-derived key; it tells a wrong passphrase apart from a changed file.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import __version__, model, registry, text
from .store import NAME_MAX, Revision, check_name

FORMAT = "rejection-workbook-exchange"
VERSION = 1
TYPES = ("start", "share", "return")
SUFFIX = ".rwshare"
HEADER = "header.json"
RECORDS = "records.jsonl"
PAYLOAD = "payload.bin"

# Limits sized so that reading the largest file they allow stays under 300 MB of memory and
# 30 s (see benchmarks/exchange_limits.py); years of daily writing fit in a fraction of them.
MAX_FILE = 16 * 1024 * 1024  # bytes of the file as sent
MAX_HEADER = 64 * 1024
MAX_RECORDS_BYTES = 24 * 1024 * 1024  # records.jsonl once unpacked
MAX_RECORDS = 50_000
MAX_LINE = 256 * 1024
MAX_DEPTH = 3  # JSON objects and lists inside each other in a record: the record, its data, ratings
MAX_DIRECTORY = 4096  # bytes of the zip's table of contents: three short names fit many times
MAX_RATIO = 100  # unpacked / packed size of a member; JSON lines of ours stay far below
MAX_WELCOME = 4000
ID_RE = re.compile(r"[0-9a-f]{32}")  # always used with fullmatch
CHUNK = 1024 * 1024  # records.jsonl is unpacked this much at a time
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SCRYPT_LIMITS = {"n": (2**14, 2**17), "r": (1, 16), "p": (1, 4)}

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
TYPE_NAMES = {
    "start": "a start file from a therapist",
    "share": "a share file from a client",
    "return": "a notes file from a therapist",
}


class ShareError(model.InvalidEntry):
    """A file that cannot be used; the message names the problem, for the person.

    (An InvalidEntry, so pages and the CLI show it as a calm message.)"""


class NeedsPassphrase(ShareError):
    """The file is protected and no passphrase was given."""


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


# -- writing ---------------------------------------------------------------------------------
def _record(r: Revision) -> dict:
    return {
        "rev_id": r.rev_id,
        "entry_id": r.entry_id,
        "kind": r.kind,
        "parent_rev": r.parent_rev,
        "author": r.author,
        "written_at": r.written_at,
        "deleted": bool(r.deleted),
        "data": r.data,
    }


def write(
    type: str,
    *,
    exchange_id: str,
    name: str,
    stages: Iterable[int],
    revisions: Iterable[Revision],
    meta: dict | None = None,
    passphrase: str | None = None,
) -> bytes:
    """The bytes of a file of `type` carrying `revisions`; sealed when `passphrase` is given."""
    if type not in TYPES:
        raise ValueError(f"unknown file type {type!r}")
    lines = [
        json.dumps(_record(r), ensure_ascii=False, sort_keys=True, separators=(",", ":")) for r in revisions
    ]
    records = ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")
    header = {
        "format": FORMAT,
        "version": VERSION,
        "type": type,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "app": __version__,
        "exchange_id": exchange_id,
        "name": name,
        "stages": sorted(set(stages)),
        "meta": meta or {},
        "records": len(lines),
        "sha256": hashlib.sha256(records).hexdigest(),
    }
    plain = _zip({HEADER: json.dumps(header, ensure_ascii=False, indent=1).encode("utf-8"), RECORDS: records})
    if passphrase:
        return seal(plain, passphrase)
    return plain


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, data)
    return buffer.getvalue()


def _scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
    """(key, check) from `passphrase` exactly as given (callers choose its form)."""
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    derived = Scrypt(salt=salt, length=64, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))
    return derived[:32], hashlib.sha256(b"rejection-workbook check" + derived[32:]).digest()[:16]


def seal(plain: bytes, passphrase: str) -> bytes:
    """A plain file sealed with AES-256-GCM under a scrypt key from `passphrase`."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(16), os.urandom(12)
    key, check = _scrypt(text.passphrase_forms(passphrase)[0], salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    b64 = lambda raw: base64.b64encode(raw).decode("ascii")  # noqa: E731
    header = json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "encrypted": {
                "cipher": "AES-256-GCM",
                "kdf": "scrypt",
                "n": SCRYPT_N,
                "r": SCRYPT_R,
                "p": SCRYPT_P,
                "salt": b64(salt),
                "nonce": b64(nonce),
                "check": b64(check),
            },
        },
        indent=1,
    ).encode("utf-8")
    sealed = AESGCM(key).encrypt(nonce, plain, header)
    return _zip({HEADER: header, PAYLOAD: sealed})


# -- reading ---------------------------------------------------------------------------------
NOT_OURS = (
    "This isn't a file from the workbook — it doesn't begin the way a workbook file does. "
    "Please check you picked the file ending in .rwshare."
)
DAMAGED = (
    "This file is damaged or cut short (perhaps it didn't finish downloading). "
    "Please ask for it to be saved and sent again."
)
CHANGED = (
    "This file was changed after it was saved — at least one byte is different — so it "
    "can't be trusted. Please ask for a fresh copy."
)


def read(data: bytes, *, passphrase: str | None = None, expect: str | Iterable[str] | None = None) -> Bundle:
    """Check a file completely and return what it carries; ShareError names any problem.

    Nothing is written anywhere: callers apply the returned Bundle only after this returns.
    """
    header, members = _open(data)
    if "encrypted" in header:
        plain = _unseal(header, members, passphrase)
        header, members = _open(plain)
        if "encrypted" in header:
            raise ShareError("This file is sealed twice over, which the workbook never does.")
    return _bundle(header, members, expect)


def _open(data: bytes) -> tuple[dict, dict[str, bytes]]:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ShareError(NOT_OURS)
    data = bytes(data)
    if not data:
        raise ShareError("This file is empty — it has nothing in it at all.")
    if len(data) > MAX_FILE:
        raise ShareError(_too_large(len(data)))
    if not data.startswith(b"PK\x03\x04"):
        raise ShareError(NOT_OURS)
    _check_directory(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise ShareError(DAMAGED) from None
    if len(infos) > 3:
        raise ShareError(f"This file holds {len(infos)} parts; a workbook file has two.")
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        if "/" in name or "\\" in name or ".." in name or ":" in name or name.startswith("."):
            raise ShareError(
                f"This file holds a path name ({name[:60]!r}). Workbook files never do, so it was refused."
            )
        if name not in (HEADER, RECORDS, PAYLOAD):
            raise ShareError(f"This file holds a part a workbook file never has ({name[:60]!r}).")
        if name in seen:
            raise ShareError(f"This file holds the part {name!r} twice, so it can't be read safely.")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise ShareError("This file uses a kind of zip password the workbook doesn't use.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ShareError("This file is packed in a way the workbook doesn't use.")
        if info.file_size > 64 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ShareError(
                "This file unpacks to far more than its size (a 'zip bomb'), so it was not opened."
            )
        limit = _limit(name)
        if info.file_size > limit:
            raise ShareError(
                f"A part of this file ({name}) is too large once unpacked "
                f"({info.file_size / 2**20:.1f} MiB; up to {limit / 2**20:.1f} MiB fit)."
            )
    if HEADER not in seen:
        raise ShareError("This file has no header, so it isn't a workbook file (or it is damaged).")
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
            raise ShareError(f"A part of this file ({info.filename}) is too large once unpacked.")
        members[info.filename] = raw
    header = _json_object(members[HEADER], "header")
    if header.get("format") != FORMAT:
        raise ShareError(NOT_OURS)
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ShareError("This file's header doesn't say which format version it is, so it can't be read.")
    if version > VERSION:
        raise ShareError(
            f"This file was made by a newer version of the workbook (file format {version}; this "
            f"app reads format {VERSION}). Please update the app, then open it again."
        )
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
        raise ShareError(DAMAGED) from None


def _check_directory(data: bytes) -> None:
    """Refuse a zip whose table of contents is large, before `zipfile` reads any of it.

    A million tiny entries cost zipfile half a gigabyte just to list; ours has two or three.
    """
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or len(data) < end + 22:
        raise ShareError(DAMAGED)
    _disk, _directory_disk, here, total, size = struct.unpack("<HHHHI", data[end + 4 : end + 16])
    if data[max(0, end - 20) : end - 16] == b"PK\x06\x07" or max(here, total) > 3:
        raise ShareError(f"This file holds {max(here, total):,} parts; a workbook file has two.")
    if size > MAX_DIRECTORY:
        raise ShareError(
            "This file's table of contents is far larger than a workbook file's; it was refused."
        )


def read_file(path: str | os.PathLike) -> bytes:
    """The bytes of the file at `path`, refused by size before any of it is read."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > MAX_FILE:
            raise ShareError(_too_large(size))
        data = fh.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:  # it grew while we read it
        raise ShareError(_too_large(len(data)))
    return data


def _too_large(size: int) -> str:
    return f"This file is too large ({size / 2**20:.0f} MiB; up to {MAX_FILE // 2**20} MiB fit)."


def _limit(name: str) -> int:
    return MAX_HEADER if name == HEADER else (MAX_FILE if name == PAYLOAD else MAX_RECORDS_BYTES)


def _json_object(raw: bytes, what: str) -> dict:
    """One JSON object; what one line can cost is bounded by MAX_LINE (or MAX_HEADER)."""
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise ShareError(f"This file's {what} is nested far deeper than a workbook file is.") from None
    except (UnicodeDecodeError, ValueError):
        raise ShareError(f"This file's {what} can't be read (it isn't valid JSON text).") from None
    if not isinstance(value, dict):
        raise ShareError(f"This file's {what} can't be read (it isn't a JSON object).")
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
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    spec = header["encrypted"]
    if PAYLOAD not in members or RECORDS in members:
        raise ShareError("This protected file is missing its sealed part, or has extra parts.")
    if not isinstance(passphrase, str | None):
        raise ShareError("The passphrase should be text.")
    if not isinstance(spec, dict) or spec.get("cipher") != "AES-256-GCM" or spec.get("kdf") != "scrypt":
        raise ShareError("This file is protected in a way this app doesn't know.")
    params = {}
    for key, (low, high) in SCRYPT_LIMITS.items():
        value = spec.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ShareError(f"This file's protection settings are out of range ({key}), so it was refused.")
        params[key] = value
    if params["n"] & (params["n"] - 1):
        raise ShareError("This file's protection settings are out of range (n), so it was refused.")
    try:
        salt, nonce, check = (base64.b64decode(spec[k], validate=True) for k in ("salt", "nonce", "check"))
    except (KeyError, TypeError, ValueError):
        raise ShareError("This file's protection settings can't be read.") from None
    if len(salt) < 16 or len(nonce) != 12 or len(check) != 16:
        raise ShareError("This file's protection settings can't be read.")
    if not passphrase:
        raise NeedsPassphrase("This file is protected with a passphrase. Please type the passphrase in.")
    # NFC first; then the passphrase as typed, which files sealed by earlier versions used
    for form in text.passphrase_forms(passphrase):
        key, expected = _scrypt(form, salt, params["n"], params["r"], params["p"])
        if hmac.compare_digest(expected, check):
            break
    else:
        raise ShareError("That passphrase doesn't open this file. Please check it and try again.")
    try:
        # the header's exact bytes are the associated data: re-read them from the zip
        return AESGCM(key).decrypt(nonce, members[PAYLOAD], _raw_header(members))
    except InvalidTag:
        raise ShareError(CHANGED) from None


def _raw_header(members: dict[str, bytes]) -> bytes:
    return members[HEADER]


def _bundle(header: dict, members: dict[str, bytes], expect) -> Bundle:
    kind = header.get("type")
    if kind not in TYPES:
        raise ShareError("This file doesn't say what it is for (start, share or notes), so it can't be used.")
    if expect is not None:
        wanted = (expect,) if isinstance(expect, str) else tuple(expect)
        if kind not in wanted:
            raise ShareError(
                f"This is {TYPE_NAMES[kind]}, not {' or '.join(TYPE_NAMES[w] for w in wanted)}. "
                "Nothing was changed."
            )
    exchange_id = header.get("exchange_id")
    if not isinstance(exchange_id, str) or not ID_RE.fullmatch(exchange_id):
        raise ShareError("This file doesn't say which workbook it belongs to, so it can't be used.")
    name = header.get("name")
    try:
        name = check_name(name) if isinstance(name, str) and len(name) <= 4 * NAME_MAX else None
    except model.InvalidEntry:
        name = None
    if name is None:
        raise ShareError("The name in this file is missing or not a plain name.")
    stages, known = header.get("stages"), registry.method_numbers()
    if (
        not isinstance(stages, list)
        or len(stages) > len(known)
        or any(not isinstance(s, int) or isinstance(s, bool) or s not in known for s in stages)
        or len(set(stages)) != len(stages)
    ):
        raise ShareError("The list of stages in this file isn't one the workbook knows (stages are 1 to 5).")
    meta = _check_meta(header.get("meta", {}), kind)
    if RECORDS not in members or PAYLOAD in members:
        raise ShareError("This file has no entries part, so it is damaged or not a workbook file.")
    digest, count = header.get("sha256"), header.get("records")
    if not isinstance(digest, str) or not isinstance(count, int) or isinstance(count, bool):
        raise ShareError(CHANGED)
    if count > MAX_RECORDS:
        raise ShareError(f"This file holds more than {MAX_RECORDS:,} entries, which is more than it can.")
    revisions = _records(members[RECORDS], kind, stages, digest)
    if count != len(revisions):
        raise ShareError("This file holds a different number of entries than its header says; it is damaged.")
    created = header.get("created_at")
    return Bundle(kind, exchange_id, name, sorted(stages), revisions, meta, str(created or ""))


def _check_meta(meta, kind: str) -> dict:
    if not isinstance(meta, dict):
        raise ShareError("The settings in this file can't be read.")
    unknown = set(meta) - {"welcome_note", "stages_on"}
    if unknown:
        raise ShareError(
            f"This file holds a setting the workbook doesn't know ({sorted(unknown)[0][:40]!r})."
        )
    if meta and kind != "start":
        raise ShareError("Only a start file from a therapist carries settings; this one was refused.")
    clean = {}
    note = meta.get("welcome_note")
    if note is not None:
        try:
            note = text.clean_text(note, what="welcome note")
        except model.InvalidEntry as exc:
            raise ShareError(f"The welcome note in this file can't be used: {exc}") from None
        if len(note) > MAX_WELCOME:
            raise ShareError(f"The welcome note in this file is not text of up to {MAX_WELCOME} characters.")
        clean["welcome_note"] = note
    on = meta.get("stages_on")
    if on is not None:
        if not isinstance(on, list) or any(
            not isinstance(s, int) or isinstance(s, bool) or not 1 <= s <= 5 for s in on
        ):
            raise ShareError("The list of stages that are on, in this file, isn't one the workbook knows.")
        clean["stages_on"] = sorted(set(on))
    return clean


RECORD_KEYS = frozenset(
    {"rev_id", "entry_id", "kind", "parent_rev", "author", "written_at", "deleted", "data"}
)


def _lines(member: _Member, digest: str):
    """(number, line) for each record line of `member`, unpacked a chunk at a time; None last,
    once the bytes have been checked against `digest` (CHANGED if they differ)."""
    hasher, total, count, rest = hashlib.sha256(), 0, 0, b""

    def numbered(line: bytes):
        nonlocal count
        count += 1
        if count > MAX_RECORDS:
            raise ShareError(f"This file holds more than {MAX_RECORDS:,} entries, which is more than it can.")
        return count, line

    with _unpacking(), member.zf.open(member.info) as fh:
        while chunk := fh.read(CHUNK):
            total += len(chunk)
            if total > MAX_RECORDS_BYTES:
                raise ShareError(
                    "The entries in this file are too large once unpacked "
                    f"(up to {MAX_RECORDS_BYTES // 2**20} MiB fit)."
                )
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
        raise ShareError(CHANGED)
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
                raise ShareError(
                    f"Entry {number} in this file belongs to stage {stage}, which the file says "
                    "isn't shared, so the file was refused."
                )
    return revisions


def _revision(number: int, line: bytes, type: str, seen: set[str], latest: dt.datetime) -> Revision:
    where = f"Entry {number} in this file"
    if len(line) > MAX_LINE:
        raise ShareError(f"{where} is far too long to be one entry (more than {MAX_LINE:,} bytes).")
    rec = _json_object(line, f"entry {number}")
    if _depth(rec) > MAX_DEPTH:
        raise ShareError(f"{where} is nested far deeper than an entry is, so it was refused.")
    if set(rec) != RECORD_KEYS:
        raise ShareError(f"{where} doesn't have the parts an entry has, so it can't be read.")
    rev_id, entry_id, parent = rec["rev_id"], rec["entry_id"], rec["parent_rev"]
    if not isinstance(rev_id, str) or not ID_RE.fullmatch(rev_id):
        raise ShareError(f"{where} has no proper id.")
    if not isinstance(entry_id, str) or not ID_RE.fullmatch(entry_id):
        raise ShareError(f"{where} has no proper entry id.")
    if parent is not None and (not isinstance(parent, str) or not ID_RE.fullmatch(parent)):
        raise ShareError(f"{where} points to an earlier version with an id that isn't one.")
    if rev_id in seen:
        raise ShareError(f"{where} repeats an id used earlier in the file (duplicate id), so it was refused.")
    seen.add(rev_id)
    kind = rec["kind"]
    if not isinstance(kind, str) or kind not in model.KINDS:
        shown = kind[:40] if isinstance(kind, str) else kind
        raise ShareError(
            f"{where} is of a kind this app doesn't know ({shown!r}). It may come from a newer "
            "version of the workbook; please update the app."
        )
    author = rec["author"]
    if author not in model.AUTHORS:
        raise ShareError(f"{where} has an author this app doesn't know.")
    if kind not in allowed_kinds(type):
        raise ShareError(f"{where} is a {kind.replace('_', ' ')}, which {TYPE_NAMES[type]} never carries.")
    if author != AUTHOR_OF[type]:
        raise ShareError(
            f"{where} is marked as written by {'the therapist' if author == 'therapist' else 'the client'}, "
            f"but {TYPE_NAMES[type]} never carries that: only "
            f"{'the therapist' if AUTHOR_OF[type] == 'therapist' else 'the client'}'s own writing. "
            "Nothing was brought in."
        )
    if not isinstance(rec["deleted"], bool):
        raise ShareError(f"{where} doesn't say plainly whether it was removed.")
    written = rec["written_at"]
    try:
        stamp = dt.datetime.fromisoformat(written) if isinstance(written, str) and len(written) < 40 else None
    except ValueError:
        stamp = None
    if stamp is None or stamp.tzinfo is None:
        raise ShareError(f"{where} has no proper date and time.")
    if not EARLIEST <= stamp <= latest:
        raise ShareError(
            f"{where} has a date out of range ({stamp.year}); entries are dated from 2000 to today."
        )
    try:
        data = model.validate(kind, rec["data"])
    except model.InvalidEntry as exc:
        raise ShareError(f"{where} can't be used: {exc}") from None
    stamp_text = stamp.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return Revision(rev_id, entry_id, kind, parent, author, stamp_text, rec["deleted"], data)


def looks_protected(data: bytes) -> bool:
    """True when `data` is a sealed file (so a page can ask for the passphrase first)."""
    try:
        header, _members = _open(data)
    except ShareError:
        return False
    return "encrypted" in header
