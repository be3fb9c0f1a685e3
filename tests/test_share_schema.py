"""The share file's published schema: valid, up to date in docs/, and what the app checks with."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest

from workbook import exchange, share, share_schema

from .scripts import load_script

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _docs_script():
    return load_script(DOCS / "share_format.py")


def test_the_committed_docs_are_what_the_schema_writes():
    script = _docs_script()
    assert (DOCS / "share-format.md").read_text(encoding="utf-8") == script.markdown(), (
        "run: python docs/share_format.py"
    )
    assert (DOCS / "share-format.schema.json").read_text(encoding="utf-8") == script.schema_json()


def test_the_schema_is_valid_json_schema_with_its_version():
    found = share_schema.schema()
    jsonschema.Draft7Validator.check_schema(found)
    assert found["$id"].endswith(f"/{share.VERSION}.schema.json")
    assert f"format version {share.VERSION}" in (DOCS / "share-format.md").read_text(encoding="utf-8")


def _parts(data: bytes) -> tuple[dict, list[dict]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        header = json.loads(zf.read(share.HEADER))
        records = [json.loads(line) for line in zf.read(share.RECORDS).splitlines()]
    return header, records


def test_a_file_the_app_writes_passes_the_published_schema_in_another_validator(wb):
    # another tool, with only the published schema and a standard validator, can read our files
    wb.put("checkin", {"ratings": {"sadness": 6}, "own_words": "heavy"})
    wb.put("trait", {"name": "patience", "rating": 2, "domain": "personality"})
    wb.put("letter", {"text": "Dear me"})
    header, records = _parts(exchange.share_file(wb, [1, 2, 4]))
    published = json.loads((DOCS / "share-format.schema.json").read_text(encoding="utf-8"))
    definitions = published["definitions"]
    jsonschema.validate(header, {**definitions["header"], "definitions": definitions})
    assert len(records) == 3
    for rec in records:
        jsonschema.validate(rec, published)
        jsonschema.validate(rec["data"], definitions[f"data_{rec['kind']}"])


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"stages": [True]}, "stages are 1 to 5"),
        ({"stages": [2.0]}, "stages are 1 to 5"),
        ({"stages": [9]}, "stages are 1 to 5"),
        ({"type": "gift"}, "doesn't say what it is for"),
        ({"exchange_id": "nope"}, "which workbook it belongs to"),
        ({"meta": {"colour": "red"}}, "setting the workbook doesn't know ('colour')"),
        ({"records": 10**9}, "more than 50,000 entries"),
    ],
)
def test_a_header_the_schema_refuses_is_refused_in_words(wb, change, said):
    from tests.hostile.corpus import _with

    wb.put("letter", {"text": "Dear me"})
    good = exchange.share_file(wb, [4])
    with pytest.raises(share.ShareError) as refused:
        share.read(_with(good, header=lambda head: head.update(change)))
    assert said in str(refused.value)


def test_a_schema_mismatch_names_where():
    with pytest.raises(share_schema.Mismatch) as found:
        share_schema.check("record", {"rev_id": "x"})
    assert found.value.path == ["entry_id"] and found.value.rule == "required"


def test_every_sentence_share_says_is_in_its_words_file():
    import ast
    import inspect

    from workbook import content, share_check

    words = content.text("share")
    source = inspect.getsource(share) + "\n" + inspect.getsource(share_check)  # reading says them all
    used = {
        (node.args[0].value, node.args[1].value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) in ("_say", "_problem")
        and len(node.args) >= 2
        and all(isinstance(a, ast.Constant) for a in node.args[:2])
    }
    assert len(used) > 40  # really looked
    assert {(part, key) for part, key in used if key not in words.get(part, {})} == set()
    for key in share.RECORD_PROBLEMS.values():
        assert key in words["entry"]
