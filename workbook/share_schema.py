"""The share file's format as a JSON Schema: the published spec and the check in one.

`schema()` is the whole document (draft-07, so that other tools in any language can read
it): the header of a plain file, the header of a sealed one, and one record of
``records.jsonl`` with each kind's ``data``. It is built from the same lists the workbook
uses (the stages in `workbook.registry`, the kinds and their fields in `workbook.model`),
so adding a stage or a kind changes the format's description with no edit here.
`docs/share-format.md` is written from it by ``python docs/share_format.py``.

`workbook.share_check` checks every header and record with it (compiled by fastjsonschema: a
file of 50,000 records is checked in well under a second) and keeps by hand only what a
schema can't say: the zip-bomb guards and size limits, the text rule, dates in range,
ids unique across the file, which kinds and authors each type of file carries, and the
digest.

Lengths are the app's own limits (`store.NAME_MAX` for names, `MAX_WELCOME` for the welcome
note, each field's `max_len`), counted as both JSON Schema and Python count them: in Unicode
code points (not bytes, and not always what a person sees as one letter). The schema counts
the text as it is in the file; the app also counts it once the text rule has tidied it
(`workbook.text`: NFC, control characters removed, a name's spaces made single). The app
writes text already tidied, so its own files are within the limits both ways.
"""

from __future__ import annotations

import functools

from . import model, registry
from .store import NAME_MAX

FORMAT = "rejection-workbook-exchange"
VERSION = 1
TYPES = ("start", "share", "return")
MAX_RECORDS = 50_000
MAX_WELCOME = 4000
SCRYPT_LIMITS = {"n": (2**14, 2**17), "r": (1, 16), "p": (1, 4)}
SCHEMA_ID = "https://rejection-workbook.invalid/share-format/{version}.schema.json"
DRAFT = "http://json-schema.org/draft-07/schema#"
ID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
HEX_DIGEST = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
BASE64 = {"type": "string", "pattern": "^[A-Za-z0-9+/]*={0,2}$", "maxLength": 200}
TIMESTAMP = {"type": "string", "maxLength": 39, "description": "ISO 8601 with a time zone (UTC when written)"}
DATE = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}


def _stage_list(*, whole: bool = False) -> dict:
    numbers = list(registry.method_numbers())
    return {
        "type": "array",
        "items": {"type": "integer", "enum": ([0] if whole else []) + numbers},
        "uniqueItems": True,
        "maxItems": len(numbers),
    }


def _field(f: model.Field) -> dict:
    """One field of a kind as JSON Schema (the model's check is the same or stricter)."""
    if f.type == "text":
        found = {"type": "string", "maxLength": f.max_len}
    elif f.type in ("int", "float"):
        found = {"type": "integer" if f.type == "int" else "number"}
        if f.low is not None:
            found["minimum"] = f.low
        if f.high is not None:
            found["maximum"] = f.high
    elif f.type == "bool":
        found = {"type": "boolean"}
    elif f.type == "choice":
        found = {"enum": list(f.choices)}
    elif f.type == "date":
        found = dict(DATE)
    elif f.type == "datetime":
        found = dict(TIMESTAMP)
    elif f.type == "ref":
        found = {**ID, "description": f"the entry_id of a {f.ref_kind}"}
    else:  # ratings: feeling -> how strong, 0 to 10
        found = {
            "type": "object",
            "minProperties": 1,
            "maxProperties": model.MAX_RATINGS,
            "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 10},
        }
    if f.label:
        found["title"] = f.label
    if not f.required:
        found = (
            {"anyOf": [{"type": "null"}, found]}
            if "title" not in found
            else {
                "title": found.pop("title"),
                "anyOf": [{"type": "null"}, found],
            }
        )
    return found


def kind_data(k: model.Kind) -> dict:
    """The `data` of a record of kind `k`."""
    return {
        "type": "object",
        "description": k.doc,
        "properties": {f.name: _field(f) for f in k.fields},
        "required": [f.name for f in k.fields if f.required],
        "additionalProperties": False,
    }


def _format() -> dict:
    """What every header begins with: which format, and which version of it."""
    return {"format": {"const": FORMAT}, "version": {"type": "integer", "minimum": 1, "maximum": VERSION}}


def header() -> dict:
    """``header.json`` of a plain file (the order of properties is the order they are checked)."""
    return {
        "type": "object",
        "properties": {
            **_format(),
            "type": {
                "enum": list(TYPES),
                "description": "start: therapist to client; share: client to therapist; return: therapist's notes",
            },
            "exchange_id": {**ID, "description": "the client workbook this file belongs to"},
            "name": {"type": "string", "minLength": 1, "maxLength": NAME_MAX},
            "stages": {**_stage_list(), "description": "the stages this file carries"},
            "meta": {
                "type": "object",
                "description": "settings: only start files carry any",
                "properties": {
                    "welcome_note": {"type": "string", "maxLength": MAX_WELCOME},
                    "stages_on": {
                        "type": "array",
                        "items": {"type": "integer", "enum": list(registry.method_numbers())},
                        "description": "the stages the therapist turned on",
                    },
                },
                "additionalProperties": False,
            },
            "records": {"type": "integer", "minimum": 0, "maximum": MAX_RECORDS},
            "sha256": {**HEX_DIGEST, "description": "SHA-256 of records.jsonl, in hex"},
            "created_at": TIMESTAMP,
            "app": {"type": "string", "maxLength": 40, "description": "the version of the app that wrote it"},
        },
        "required": ["format", "version", "type", "exchange_id", "name", "stages", "records", "sha256"],
    }


def sealed_header() -> dict:
    """``header.json`` of a file sealed with a passphrase."""
    return {
        "type": "object",
        "properties": {
            **_format(),
            "encrypted": {
                "type": "object",
                "properties": {
                    "cipher": {"const": "AES-256-GCM"},
                    "kdf": {"const": "scrypt"},
                    **{
                        key: {"type": "integer", "minimum": low, "maximum": high}
                        for key, (low, high) in SCRYPT_LIMITS.items()
                    },
                    "salt": BASE64,
                    "nonce": BASE64,
                    "check": BASE64,
                },
                "required": ["cipher", "kdf", *SCRYPT_LIMITS, "salt", "nonce", "check"],
            },
        },
        "required": ["format", "version", "encrypted"],
    }


def record() -> dict:
    """One line of ``records.jsonl``: a saved version of an entry, as the store keeps them."""
    return {
        "type": "object",
        "properties": {
            "rev_id": {**ID, "description": "this version's id, unique in the file"},
            "entry_id": {**ID, "description": "the entry's id (the same for all its versions)"},
            "parent_rev": {"anyOf": [{"type": "null"}, ID], "description": "the version this one replaced"},
            "kind": {"enum": list(model.KINDS)},
            "author": {"enum": list(model.AUTHORS)},
            "deleted": {"type": "boolean", "description": "true when this version removed the entry"},
            "written_at": TIMESTAMP,
            "data": {"type": "object", "description": "the kind's fields: see definitions/data_<kind>"},
        },
        "required": ["rev_id", "entry_id", "kind", "parent_rev", "author", "written_at", "deleted", "data"],
        "additionalProperties": False,
    }


def schema() -> dict:
    """The whole published schema: a record (the root), headers and each kind's data."""
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_ID.format(version=VERSION),
        "title": f"Rejection Workbook share file, format version {VERSION}: one record of records.jsonl",
        **record(),
        "definitions": {
            "header": header(),
            "sealed_header": sealed_header(),
            **{f"data_{name}": kind_data(k) for name, k in model.KINDS.items()},
        },
    }


PARTS = {"header": header, "sealed": sealed_header, "record": record}


@functools.cache
def _compiled(part: str, _stages: tuple, _kinds: tuple):
    """The part's check, compiled once for these stages and kinds (a test may add some)."""
    import fastjsonschema

    return fastjsonschema.compile({"$schema": DRAFT, **PARTS[part]()})


class Mismatch(ValueError):
    """Where a value and the schema differ: `path` to the property (empty for the object
    itself) and the schema's `rule` (required, enum, pattern, maximum...)."""

    def __init__(self, path: list[str], rule: str):
        super().__init__(f"{'.'.join(path) or 'the object'}: {rule}")
        self.path, self.rule = path, rule

    @property
    def field(self) -> str:
        return self.path[0] if self.path else ""


def check(part: str, value: dict) -> None:
    """Check `value` against the schema's `part` (header, sealed or record); Mismatch if not."""
    import fastjsonschema

    validate = _compiled(part, registry.method_numbers(), tuple(model.KINDS))
    try:
        validate(value)
    except fastjsonschema.JsonSchemaValueException as exc:
        path = [str(p) for p in (exc.path or [])[1:]]  # the first is the value itself ("data")
        if exc.rule == "required" and isinstance(exc.definition, dict):
            inside = _at(value, path)
            missing = [
                n
                for n in exc.definition.get("required", [])
                if not isinstance(inside, dict) or n not in inside
            ]
            if missing:
                raise Mismatch([*path, missing[0]], "required") from None
        raise Mismatch(path, exc.rule or "") from None


def _at(value, path: list[str]):
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value
