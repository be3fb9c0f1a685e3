"""The personal export: every frame as CSV plus JSON in one zip, read back unchanged."""

from __future__ import annotations

import csv
import io
import json
import stat
import zipfile

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbook import cli, model
from workbook.demo import install_demo
from workbook.export import export_zip, frames_to_csv_files, read_zip, write_export
from workbook.frames import all_frames
from workbook.model import InvalidEntry
from workbook.text import clean_text

TRICKY = 'She said "no", then:\nNA\r\nnull, =1+1; é 🌱 <b>bold</b>'


@pytest.fixture
def demo(home):
    name = install_demo(home)
    book = home.open(home.find(name).slug)
    yield book
    book.close()


def test_the_zip_holds_every_frame_and_every_entry(demo):
    data = export_zip(demo)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        document = json.loads(zf.read("workbook.json"))
    expected = {f"tables/{kind}.csv" for kind in model.KINDS} | {"tables/emotions.csv"}
    assert expected <= names
    assert {"README.txt", "workbook.json", "tables/columns.json"} <= names
    assert len(document["entries"]) == len(demo.entries())
    assert document["workbook"]["name"] == "Demo — Sam"
    assert {e["kind"] for e in document["entries"]} >= {"checkin", "trait", "goal", "letter", "weighing"}


def test_every_frame_reads_back_the_same(demo):
    demo.put("letter", {"text": TRICKY})
    demo.put("trait", {"name": "NA", "domain": "other", "rating": 0, "note": TRICKY})
    original = all_frames(demo)
    _document, again = read_zip(export_zip(demo))
    assert set(again) == set(original)
    for name, df in original.items():
        pd.testing.assert_frame_equal(again[name], df, obj=name)
    assert TRICKY in list(again["letter"]["text"])


def test_an_empty_workbook_exports_empty_frames_that_read_back(wb):
    original = all_frames(wb)
    _document, again = read_zip(export_zip(wb))
    for name, df in original.items():
        assert again[name].empty
        pd.testing.assert_frame_equal(again[name], df, obj=name)


def test_csv_files_are_one_per_frame_and_open_in_a_spreadsheet(demo):
    frames = all_frames(demo)
    files = frames_to_csv_files(frames)
    assert list(files) == [f"{name}.csv" for name in frames]
    checkins = files["checkin.csv"]
    assert checkins.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheet programs read UTF-8
    rows = list(csv.DictReader(io.StringIO(checkins.decode("utf-8-sig"))))
    assert list(rows[0])[:5] == ["entry_id", "created_at", "updated_at", "author", "ratings"]
    assert len(rows) == 7
    assert json.loads(rows[0]["ratings"])["disappointment"] == 9  # ratings are written as JSON


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=300), max_size=8
    )
)
def test_any_writing_survives_the_round_trip(wb, texts):
    """Any writing comes back the same from an export (up to 8 pieces an export: as many
    texts as 40 exports of one each, for a quarter of the exports)."""
    kept = {}
    for text in texts:
        if not clean_text(text).strip():  # blank once control characters are gone: refused, with a message
            with pytest.raises(InvalidEntry, match="fill in"):
                wb.put("letter", {"text": text})
            continue
        entry = wb.put("letter", {"text": text})
        kept[entry.entry_id] = entry["text"]
    if kept:
        _document, again = read_zip(export_zip(wb))
        rows = again["letter"].set_index("entry_id")
        assert {entry_id: rows.loc[entry_id]["text"] for entry_id in kept} == kept
    for entry_id in kept:
        wb.delete(entry_id)


def test_the_exported_file_is_for_its_owner_only_and_never_overwrites(demo, tmp_path):
    path = write_export(demo, tmp_path / "mine.zip")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    with pytest.raises(Exception, match="already a file"):
        write_export(demo, path)
    assert path.read_bytes() == before


def test_the_cli_exports_a_workbook_by_name(home, tmp_path, capsys):
    name = install_demo(home)
    target = tmp_path / "sam.zip"
    assert cli.main(["export", name, str(target), "--home", str(home.path)]) == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    _document, frames = read_zip(target.read_bytes())
    assert len(frames["checkin"]) == 7
    assert "readable by you only" in capsys.readouterr().out

    assert cli.main(["export", "Nobody", str(tmp_path / "x.zip"), "--home", str(home.path)]) == 2
    assert "no workbook called 'Nobody'" in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists()
