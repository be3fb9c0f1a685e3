"""The exchange file: how entries travel between a client's workbook and a therapist.

A file is data we parse and check, never a database we open or code we run. Every
record is checked (`model.validate` and the rules below) before anything is written,
so a broken or hostile file changes nothing.

The format (version `VERSION`) is published as a JSON Schema in `workbook/share_schema.py`,
written out as docs/share-format.md and docs/share-format.schema.json; every header and
record is checked against it, and by hand only for what a schema can't say.

A plain file is a ZIP archive holding ``header.json`` and ``records.jsonl`` (one saved
version of an entry per line). The three types: a *start* file (therapist -> client:
welcome note, stages, the therapist's prompts), a *share* file (client -> therapist: the
stages the client chose), a *return* file (therapist -> client: notes and prompts).

With a passphrase the file is a ZIP holding ``header.json``::

    {"format": ..., "version": 1, "encrypted": {"cipher": "AES-256-GCM", "kdf": "scrypt",
     "n": 32768, "r": 8, "p": 1, "salt": "<base64>", "nonce": "<base64>", "check": "<base64>"}}

and ``payload.bin``: a whole plain file (the ZIP above) sealed with AES-256-GCM under a
key derived by scrypt from the passphrase (in Unicode NFC; readers also try it as typed,
which earlier versions used), with the exact bytes of ``header.json`` as
associated data (so neither part can be changed unnoticed). ``check`` is a hash of a
second scrypt-derived key; it tells a wrong passphrase apart from a changed file. What the
file is (type, exchange id, name, stages, format version, records) travels only inside the
sealed payload, so it can't be read or swapped without the passphrase; whoever knows the
passphrase is whoever could have sealed it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable

from . import __version__
from .errors import NeedsPassphrase as NeedsPassphrase  # its callers (pages, the command line) find it here
from .errors import ShareError as ShareError
from .errors import WrongPassphrase as WrongPassphrase
from .sealing import HEADER, RECORDS, pack, seal
from .sealing import PAYLOAD as PAYLOAD
from .share_check import AUTHOR_OF as AUTHOR_OF  # reading and its limits live in share_check.py;
from .share_check import CHUNK as CHUNK  # their names are found here too, as they always were
from .share_check import EARLIEST as EARLIEST
from .share_check import MAX_DEPTH as MAX_DEPTH
from .share_check import MAX_DIRECTORY as MAX_DIRECTORY
from .share_check import MAX_FILE as MAX_FILE
from .share_check import MAX_HEADER as MAX_HEADER
from .share_check import MAX_LINE as MAX_LINE
from .share_check import MAX_RATIO as MAX_RATIO
from .share_check import MAX_RECORDS_BYTES as MAX_RECORDS_BYTES
from .share_check import RECORD_PROBLEMS as RECORD_PROBLEMS
from .share_check import THERAPIST_KINDS as THERAPIST_KINDS
from .share_check import Bundle as Bundle
from .share_check import allowed_kinds as allowed_kinds
from .share_check import looks_protected as looks_protected
from .share_check import read as read
from .share_check import read_file as read_file
from .share_check import unseal as unseal
from .share_schema import FORMAT as FORMAT
from .share_schema import MAX_RECORDS as MAX_RECORDS
from .share_schema import MAX_WELCOME as MAX_WELCOME
from .share_schema import TYPES as TYPES
from .share_schema import VERSION as VERSION
from .store import Revision

SUFFIX = ".rwshare"
ID_RE = re.compile(r"[0-9a-f]{32}")  # an exchange id, an invitation, an envelope; always used with fullmatch


# -- writing ---------------------------------------------------------------------------------
def _record(r: Revision) -> dict:
    return {**vars(r), "deleted": bool(r.deleted)}  # the fields, named as the store names them


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
    plain = pack({HEADER: json.dumps(header, ensure_ascii=False, indent=1).encode("utf-8"), RECORDS: records})
    if passphrase:
        return seal(plain, passphrase)
    return plain
