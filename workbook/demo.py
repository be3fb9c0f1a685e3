"""The demo workbook: a made-up person, Sam, with something on every page.

The demo is shipped as data (`data/demo/demo.jsonl`, one JSON record per line) and
replayed through `Workbook.put`, with each entry dated relative to today, so the
journey always looks recent. `install_demo` puts a fresh copy in a home each time.

A record is either ``{"meta": {...}}`` (workbook settings) or
``{"kind": ..., "day": -40, "time": "21:05", "data": {...}, "id": "label"}``, where in
`data` the text ``"@day:-41"`` becomes that day's date and ``"@ref:label"`` the id of the
entry recorded with that label.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from pathlib import Path

from .paths import data_dir
from .store import SUFFIX, Home, Workbook, WorkbookError

DEMO_FILE = "demo/demo.jsonl"
DEMO_SLUG = "demo-sam"


def records(path: Path | None = None) -> list[dict]:
    """The demo's records, in file order."""
    path = path or data_dir() / DEMO_FILE
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def demo_name() -> str:
    """The demo workbook's display name."""
    for record in records():
        if "meta" in record:
            return record["meta"]["name"]
    raise WorkbookError("The demo workbook has no name.")


def _resolve(value, today: dt.date, ids: dict[str, str]):
    if isinstance(value, str) and value.startswith("@day:"):
        return (today + dt.timedelta(days=int(value[5:]))).isoformat()
    if isinstance(value, str) and value.startswith("@ref:"):
        return ids[value[5:]]
    return value


def replay(wb: Workbook, items: list[dict], today: dt.date | None = None) -> int:
    """Write the records into `wb`, dated relative to `today`; returns how many entries."""
    today = today or dt.date.today()
    ids: dict[str, str] = {}
    count = 0
    for record in items:
        if "meta" in record:
            for key, value in record["meta"].items():
                if key != "name":
                    wb.set_meta(key, value)
            continue
        hour, minute = (int(part) for part in record.get("time", "12:00").split(":"))
        day = today + dt.timedelta(days=record["day"])
        at = dt.datetime(day.year, day.month, day.day, hour, minute).astimezone()
        data = {key: _resolve(value, today, ids) for key, value in record["data"].items()}
        entry = wb.put(record["kind"], data, at=at.isoformat())
        if "id" in record:
            ids[record["id"]] = entry.entry_id
        count += 1
    return count


def _is_demo(path: Path) -> bool:
    try:
        with Workbook.open(path) as wb:
            return bool(wb.meta("demo"))
    except WorkbookError:
        return False


def install_demo(home: Home | str | os.PathLike | None = None, *, today: dt.date | None = None) -> str:
    """Put a fresh copy of the demo workbook in `home` (replacing an earlier demo copy,
    never a workbook of the person's own); returns its name, for `serve` to open."""
    home = home if isinstance(home, Home) else Home(home)
    home.ensure()
    name = demo_name()
    slug, n = DEMO_SLUG, 1
    while (home.path / f"{slug}{SUFFIX}").exists() and not _is_demo(home.path / f"{slug}{SUFFIX}"):
        n += 1
        slug = f"{DEMO_SLUG}-{n}"
    if n > 1:
        name = f"{name} ({n})"
    target = home.path / f"{slug}{SUFFIX}"
    building = home.path / f".demo-{uuid.uuid4().hex}{SUFFIX}"  # hidden from the workbook list
    try:
        with Workbook.open(building, create=True, name=name) as wb:
            replay(wb, records(), today)
        for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm")):
            leftover.unlink(missing_ok=True)  # they belonged to the old copy
        os.replace(building, target)
    finally:
        for path in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
            path.unlink(missing_ok=True)
    return name
