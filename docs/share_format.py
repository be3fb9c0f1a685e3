"""Write docs/share-format.md and docs/share-format.schema.json from the schema the app checks
files with (workbook/share_schema.py). Run after changing the format, a stage or a kind:

    python docs/share_format.py

tests/test_share_schema.py fails while the committed files differ from what this writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from workbook import share, share_schema  # noqa: E402

MARKDOWN = HERE / "share-format.md"
SCHEMA = HERE / "share-format.schema.json"


def _rule(spec: dict) -> str:
    """A JSON Schema property in a few words."""
    if "anyOf" in spec:
        return " or ".join(_rule(s) for s in spec["anyOf"])
    if "const" in spec:
        return f"`{json.dumps(spec['const'])}`"
    if "enum" in spec:
        return "one of " + ", ".join(f"`{json.dumps(v, ensure_ascii=False)}`" for v in spec["enum"])
    kind = spec.get("type", "any")
    parts = [kind]
    if "pattern" in spec:
        parts.append(f"matching `{spec['pattern']}`")
    if "maxLength" in spec:
        parts.append(f"up to {spec['maxLength']:,} characters")
    if "minimum" in spec and "maximum" in spec:
        parts.append(f"{spec['minimum']:g} to {spec['maximum']:g}")
    elif "minimum" in spec:
        parts.append(f"at least {spec['minimum']:g}")
    if kind == "array" and "items" in spec:
        parts.append(f"of {_rule(spec['items'])}")
        if spec.get("uniqueItems"):
            parts.append("each once")
    if kind == "object" and isinstance(spec.get("additionalProperties"), dict):
        parts.append(f"of {_rule(spec['additionalProperties'])} ({spec.get('maxProperties', 'any')} at most)")
    return ", ".join(parts)


def _table(spec: dict) -> list[str]:
    required = set(spec.get("required", []))
    rows = ["| field | required | value | what it is |", "| --- | --- | --- | --- |"]
    for name, prop in spec["properties"].items():
        what = prop.get("description") or prop.get("title") or ""
        rows.append(f"| `{name}` | {'yes' if name in required else 'no'} | {_rule(prop)} | {what} |")
    return rows


def markdown() -> str:
    doc = share_schema.schema()
    defs = doc["definitions"]
    lines = [
        "<!-- Written by `python docs/share_format.py` from workbook/share_schema.py: do not edit by hand. -->",
        f"# The share file, format version {share.VERSION}",
        "",
        "The file a client and a therapist send each other (`.rwshare`): a *start* file",
        "(therapist to client), a *share* file (client to therapist) or a *return* file (the",
        "therapist's notes). Its JSON Schema (draft-07) is",
        f"[share-format.schema.json](share-format.schema.json) (`$id` `{doc['$id']}`); the app",
        "checks every file with it, and checks by hand only what a schema can't say (below).",
        "",
        "## The file",
        "",
        f"A ZIP archive (stored or deflated, no folders) of at most {share.MAX_FILE // 2**20} MiB holding exactly",
        f"`{share.HEADER}` (at most {share.MAX_HEADER // 1024} KiB) and `{share.RECORDS}` (at most "
        f"{share.MAX_RECORDS_BYTES // 2**20} MiB unpacked, {share.MAX_RECORDS:,} lines of at most "
        f"{share.MAX_LINE // 1024} KiB each).",
        f"A file sealed with a passphrase holds `{share.HEADER}` (the sealed header below) and",
        f"`{share.PAYLOAD}`: a whole plain file sealed with AES-256-GCM under a key derived by scrypt",
        "from the passphrase (Unicode NFC), with the exact bytes of the header as associated data.",
        "Everything that says what the file is and whom it is about (its type, exchange id, name,",
        "stages, format version and records) is inside the sealed payload, so none of it can be",
        "read, changed or swapped with another file's without the passphrase; a header changed in",
        "any byte (even re-spaced) is refused. The passphrase is also the only proof of who sealed",
        "the file: anyone who knows it can seal one that opens with it, so each client and their",
        "therapist should have a passphrase of their own.",
        "",
        "## Through a practice server",
        "",
        "On a practice server the same plain file (no passphrase) travels in an *envelope*",
        "(`workbook/hub/crypto.py`): HPKE (RFC 9180) in auth mode, DHKEM(X25519, HKDF-SHA256),",
        "HKDF-SHA256, AES-256-GCM, laid out as",
        "",
        "    version (1 byte = 2) | recipient key fingerprint (10) | sender key fingerprint (10)",
        "    | ephemeral public key (32) | ciphertext and tag",
        "",
        "with the first 53 bytes as associated data and, as HPKE's info,",
        "`rejection-workbook envelope`, a zero byte, the version byte and `share <invitation id>`",
        "(client to therapist) or `notes <invitation id>` (therapist to client). The key comes",
        "from the sender's own private key as well as a fresh one, so an envelope opens only for",
        "the recipient and only as sealed by the sender they expect: the therapist's key is the",
        "one whose fingerprint is in the invitation code, the client's the one they proved with",
        "the code's secret. The service, another client, anyone holding only public keys can't",
        "make one that opens. Version 1 envelopes (before senders were sealed in) are refused.",
        "",
        f"## `{share.HEADER}`",
        "",
        *_table(defs["header"]),
        "",
        "`meta` holds:",
        "",
        *_table(defs["header"]["properties"]["meta"]),
        "",
        "### Sealed with a passphrase",
        "",
        *_table(defs["sealed_header"]),
        "",
        "`encrypted` holds:",
        "",
        *_table(defs["sealed_header"]["properties"]["encrypted"]),
        "",
        f"## `{share.RECORDS}`: one record a line",
        "",
        "Each line is one saved version of an entry, as the workbook keeps them.",
        "",
        *_table(doc),
        "",
        "## What the app checks besides the schema",
        "",
        "- the size limits above, the zip's table of contents and how far each part unpacks (a zip bomb);",
        "- `sha256` and `records` agree with `records.jsonl`; each `rev_id` is used once;",
        "- names and text follow the workbook's text rule (no control or direction-override characters);",
        "- every length above (`maxLength`) is the app's own limit, counted in Unicode code points, as",
        "  JSON Schema counts characters (not bytes). The schema counts the text as it is in the file;",
        "  the app counts it again once tidied by the text rule (Unicode NFC, control characters",
        "  removed, a name's spaces made single), which JSON Schema can't express. The app writes",
        "  text already tidied, so its own files are within each limit both ways;",
        "- `written_at` is a date and time with a time zone, from 2000 to today;",
        "- a share file carries only the client's own entries (`author` `me`) of the stages in `stages`;",
        "  start and return files only the therapist's questions and notes (`author` `therapist`);",
        "  only a start file carries `meta`;",
        "- `data` is checked by the kind's own rules (`workbook/model.py`), as when it is typed in.",
        "",
        "## `data`, by kind",
        "",
    ]
    for name, spec in defs.items():
        if not name.startswith("data_"):
            continue
        lines += [f"### `{name.removeprefix('data_')}`", "", spec["description"], "", *_table(spec), ""]
    return "\n".join(lines)


def schema_json() -> str:
    return json.dumps(share_schema.schema(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    MARKDOWN.write_text(markdown(), encoding="utf-8")
    SCHEMA.write_text(schema_json(), encoding="utf-8")
    print(f"wrote {MARKDOWN.name} and {SCHEMA.name}")


if __name__ == "__main__":
    main()
