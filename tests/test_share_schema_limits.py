"""The published share schema's lengths are the app's own: what one refuses, the other refuses.

Names are at most `store.NAME_MAX` (80) characters and a welcome note at most
`share_schema.MAX_WELCOME` (4,000); each kind's text fields at most their `max_len`. The
schema once allowed four times as much (320 and 16,000), which no file the app would open
could use.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from workbook import exchange, model, share, share_schema
from workbook.errors import InvalidEntry
from workbook.store import NAME_MAX, check_name

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _published() -> dict:
    return json.loads((DOCS / "share-format.schema.json").read_text(encoding="utf-8"))


def _header_ok(header: dict) -> bool:
    """Whether a standard validator, given only the published file, accepts `header`."""
    definitions = _published()["definitions"]
    try:
        jsonschema.validate(header, {**definitions["header"], "definitions": definitions})
    except jsonschema.ValidationError:
        return False
    return True


def _app_header_ok(header: dict) -> bool:
    """Whether the app's own compiled check of the schema accepts `header`."""
    try:
        share_schema.check("header", header)
    except share_schema.Mismatch:
        return False
    return True


def _header(**changes) -> dict:
    header = {
        "format": share_schema.FORMAT,
        "version": share_schema.VERSION,
        "type": "start",
        "exchange_id": "0123456789abcdef0123456789abcdef",
        "name": "Sam",
        "stages": [1, 2],
        "records": 0,
        "sha256": "0" * 64,
    }
    header.update(changes)
    return header


def test_the_limits_are_the_apps():
    assert NAME_MAX == 80 and share_schema.MAX_WELCOME == 4000
    definitions = _published()["definitions"]
    assert definitions["header"]["properties"]["name"]["maxLength"] == NAME_MAX
    welcome = definitions["header"]["properties"]["meta"]["properties"]["welcome_note"]
    assert welcome["maxLength"] == share_schema.MAX_WELCOME


@pytest.mark.parametrize("check", [_header_ok, _app_header_ok])
def test_a_name_of_81_characters_is_refused_and_one_of_80_accepted(check):
    assert check(_header(name="x" * NAME_MAX))
    assert check(_header(name="é" * NAME_MAX))  # characters (code points), not bytes
    assert not check(_header(name="x" * (NAME_MAX + 1)))
    # and the app's own rule for names agrees
    assert check_name("x" * NAME_MAX) == "x" * NAME_MAX
    with pytest.raises(InvalidEntry):
        check_name("x" * (NAME_MAX + 1))


@pytest.mark.parametrize("check", [_header_ok, _app_header_ok])
def test_a_welcome_note_over_the_limit_is_refused_and_one_at_it_accepted(check):
    most = share_schema.MAX_WELCOME
    assert check(_header(meta={"welcome_note": "w" * most}))
    assert not check(_header(meta={"welcome_note": "w" * (most + 1)}))


def test_files_the_app_makes_at_its_limits_open_and_one_over_is_refused(home, tmp_path):
    from tests.hostile.corpus import _with

    name, note = "S" * NAME_MAX, "w" * share_schema.MAX_WELCOME
    with home.create(name) as client:
        client.put("letter", {"text": "Dear me"})
        shared = exchange.share_file(client, [4])
    assert share.read(shared).name == name
    longer_name = _with(shared, header=lambda head: head.update(name=name + "S"))
    with pytest.raises(share.ShareError):
        share.read(longer_name)

    practice = exchange.practice_home(type(home)(tmp_path / "therapist"))
    _slug, start = exchange.prepare(practice, "Sam", welcome_note=note, stages_on=[1, 2])
    assert share.read(start).meta["welcome_note"] == note
    with pytest.raises(InvalidEntry):
        exchange.prepare(practice, "Other", welcome_note=note + "w")
    longer_note = _with(start, header=lambda head: head["meta"].update(welcome_note=note + "w"))
    with pytest.raises(share.ShareError, match="4,?000"):
        share.read(longer_note)


def test_each_text_field_is_limited_to_what_the_model_accepts():
    definitions = _published()["definitions"]
    looked = 0
    for name, kind in model.KINDS.items():
        for field in kind.fields:
            if field.type != "text":
                continue
            spec = definitions[f"data_{name}"]["properties"][field.name]
            spec = next((s for s in spec.get("anyOf", [spec]) if s.get("type") == "string"), spec)
            assert spec["maxLength"] == field.max_len, (name, field.name)
            looked += 1
    assert looked > 10
