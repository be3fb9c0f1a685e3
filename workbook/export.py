"""A personal export: a whole workbook as CSV files (one per frame) plus JSON, in one zip.

This is the one piece of code that writes CSV files; sharing and reports reuse it.

The zip holds:

- ``README.txt`` — what the files are, in plain words;
- ``workbook.json`` — every current entry with its dates, and the workbook's settings;
- ``tables/<frame>.csv`` — one CSV per frame of `workbook.frames.all_frames` (UTF-8 with
  a byte-order mark so spreadsheet programs read accents and emoji correctly);
- ``tables/columns.json`` — each table's column types, so `read_zip` gives back the very
  same frames.

Files written to disk are readable and writable by their owner only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import zipfile
from pathlib import Path

import pandas as pd

from . import __version__, portable
from .errors import WorkbookError
from .frames import all_frames
from .messages import say as _say
from .store import Workbook


def say(key: str, **values) -> str:
    """A message of the export (data/text/messages.toml, [export]), README included."""
    return _say(f"export.{key}", **values)


FORMAT = "rejection-workbook-export"
FORMAT_VERSION = 1
CSV_ENCODING = "utf-8-sig"
TABLES = "tables"
COLUMNS_FILE = f"{TABLES}/columns.json"
JSON_FILE = "workbook.json"

# -- CSV --------------------------------------------------------------------------------------
# A text cell a spreadsheet would run as a formula (OWASP, "CSV injection") gets a leading
# single quote. So that reading back gives the very same text, a cell that already starts
# with quotes before such a character gets one more quote too; `_unguard` takes one off.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_GUARDED = re.compile(r"'+[=+\-@\t\r]")


def _guard(value):
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def _unguard(value):
    if isinstance(value, str) and _GUARDED.match(value):
        return value[1:]
    return value


def _cell(value):
    """Dicts and lists (the ratings of a check-in) become JSON text in a CSV cell."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _json_columns(df: pd.DataFrame) -> list[str]:
    return [
        column
        for column in df.columns
        if df[column].dtype == object and df[column].map(lambda v: isinstance(v, dict | list)).any()
    ]


def frame_to_csv(df: pd.DataFrame) -> bytes:
    """One frame as CSV bytes (UTF-8 with BOM); dict or list cells are written as JSON, and
    text a spreadsheet would take for a formula is guarded with a leading single quote."""
    out = df.copy()
    for column in _json_columns(out):
        out[column] = out[column].map(_cell)
    for column in out.columns:
        dtype = out[column].dtype
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype)):
            out[column] = out[column].astype(object).map(_guard)  # text, choices, JSON
    # Every text cell is quoted, so a lone carriage return inside someone's writing survives.
    return out.to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC).encode(CSV_ENCODING)


def frames_to_csv_files(frames: dict[str, pd.DataFrame]) -> dict[str, bytes]:
    """Each frame as a CSV file: ``{"<name>.csv": bytes}``, in the order given."""
    return {f"{name}.csv": frame_to_csv(df) for name, df in frames.items()}


def column_types(df: pd.DataFrame) -> list[dict]:
    """A frame's columns and their types, as JSON-ready dicts (see `restore_types`)."""
    found = []
    for column in df.columns:
        dtype = df[column].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            spec = {
                "type": "category",
                "categories": [str(c) for c in dtype.categories],
                "ordered": bool(dtype.ordered),
            }
        elif column in _json_columns(df):
            spec = {"type": "json"}
        else:
            spec = {"type": str(dtype)}
        found.append({"name": str(column), **spec})
    return found


def _restore_column(values: pd.Series, spec: dict) -> pd.Series:
    kind = spec["type"]
    if kind == "category":
        return pd.Series(
            pd.Categorical(values, categories=spec["categories"], ordered=spec["ordered"]),
            index=values.index,
        )
    if kind == "json":
        return values.map(lambda v: json.loads(v) if isinstance(v, str) else None).astype(object)
    if kind == "boolean":
        return values.map({"True": True, "False": False}).astype("boolean")
    if kind in ("Int64", "Float64") or kind.startswith(("int", "float")):
        return pd.to_numeric(values).astype(kind)
    if kind.startswith("datetime64"):
        utc = "UTC" in kind
        return pd.to_datetime(values, utc=utc, format="ISO8601").astype(kind)
    if kind == "object":
        return values.astype(object).where(values.notna(), None)
    return values.astype(kind)


def restore_types(df: pd.DataFrame, columns: list[dict]) -> pd.DataFrame:
    """Give a frame read from CSV (all text) back the column types from `column_types`."""
    return pd.DataFrame(
        {spec["name"]: _restore_column(df[spec["name"]], spec) for spec in columns},
        index=df.index,
    )


def read_csv(data: bytes, columns: list[dict]) -> pd.DataFrame:
    """A CSV written by `frame_to_csv`, read back with its types. Only empty cells are missing
    values: someone's text that says "NA" or "null" stays text."""
    df = pd.read_csv(
        io.BytesIO(data),
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        encoding=CSV_ENCODING,
    )
    return restore_types(df.map(_unguard), columns)


# -- JSON -------------------------------------------------------------------------------------
def workbook_json(wb: Workbook, *, exported_at: str | None = None) -> dict:
    """Every current entry of the workbook, with its settings, as a JSON-ready dict."""
    entries = [
        {
            "entry_id": e.entry_id,
            "kind": e.kind,
            "created_at": e.created_at,
            "updated_at": e.updated_at,
            "author": e.author,
            "data": e.data,
        }
        for e in wb.entries()
    ]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "exported_at": exported_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "workbook": {
            "name": wb.name,
            "schema_version": wb.schema_version,
            "settings": wb.all_meta(),
        },
        "entries": entries,
    }


# -- the zip ----------------------------------------------------------------------------------
def export_zip(wb: Workbook, frames: dict[str, pd.DataFrame] | None = None) -> bytes:
    """The whole workbook as one zip (see the module docstring); returns its bytes."""
    frames = all_frames(wb) if frames is None else frames
    today = dt.date.today()
    stamp = dt.datetime.now().timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:

        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, data)

        readme = say("readme", date=today.isoformat(), name=wb.name)
        add("README.txt", readme.encode("utf-8"))
        add(JSON_FILE, json.dumps(workbook_json(wb), ensure_ascii=False, indent=1).encode("utf-8"))
        for filename, data in frames_to_csv_files(frames).items():
            add(f"{TABLES}/{filename}", data)
        columns = {name: column_types(df) for name, df in frames.items()}
        add(COLUMNS_FILE, json.dumps(columns, ensure_ascii=False, indent=1).encode("utf-8"))
    return buffer.getvalue()


def read_zip(data: bytes) -> tuple[dict, dict[str, pd.DataFrame]]:
    """An export read back: (the workbook.json dict, every frame by name with its types)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        document = json.loads(zf.read(JSON_FILE))
        columns = json.loads(zf.read(COLUMNS_FILE))
        frames = {name: read_csv(zf.read(f"{TABLES}/{name}.csv"), spec) for name, spec in columns.items()}
    return document, frames


def file_name(wb: Workbook, today: dt.date | None = None) -> str:
    """A download name like ``rejection-workbook-after-the-interview-2026-03-01.zip``."""
    return f"rejection-workbook-{wb.path.stem}-{(today or dt.date.today()).isoformat()}.zip"


def write_private(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to a new file at `path` that only its owner can read (mode 0600).

    An existing file is never overwritten: WorkbookError says so.
    """
    path = Path(path).expanduser()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise WorkbookError("export.file_exists", path=str(path)) from None
    except OSError as exc:
        raise WorkbookError("export.not_saved", path=str(path), reason=exc.strerror) from exc
    try:
        portable.owner_only(fd)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise WorkbookError("export.not_saved", path=str(path), reason=exc.strerror) from exc
    return path


def write_export(wb: Workbook, path: str | os.PathLike) -> Path:
    """Export `wb` as a zip to a new owner-only file at `path`; returns the path."""
    return write_private(path, export_zip(wb))
