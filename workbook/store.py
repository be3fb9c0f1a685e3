"""The local-first store: one SQLite file per workbook, in a workbook home.

The names the rest of the workbook imports, from the modules that hold them, each with one job:

- `workbook.sqlfile` — a workbook's file as SQLite sees it: connections, what errors mean;
- `workbook.schema` — the migrations and the columns every statement names;
- `workbook.entries` — `Workbook`: entries, revisions (edits and undo) and settings;
- `workbook.home` — `Home`, the folder of workbooks; names and file keys (slugs).

Nothing here imports pandas: reading frames lives in `workbook.frames`.
"""

from __future__ import annotations

from .entries import Entry, Revision, Workbook, now
from .errors import InvalidEntry, WorkbookError
from .home import (
    NAME_MAX,
    PRACTICE_DIR,
    Home,
    WorkbookInfo,
    check_name,
    check_slug,
    practice_home,
    slugify,
)
from .schema import ENTRY_COLUMNS, MIGRATIONS, REVISION_COLUMNS, SCHEMA_VERSION, Migration
from .sqlfile import (
    BUSY_TIMEOUT_MS,
    OPEN_ERRORS,
    STAGING,
    SUFFIX,
    damaged,
    disk_full,
    disk_full_or,
    read_only_folder,
)

__all__ = [
    "BUSY_TIMEOUT_MS",
    "ENTRY_COLUMNS",
    "MIGRATIONS",
    "NAME_MAX",
    "OPEN_ERRORS",
    "PRACTICE_DIR",
    "REVISION_COLUMNS",
    "SCHEMA_VERSION",
    "STAGING",
    "SUFFIX",
    "Entry",
    "Home",
    "InvalidEntry",
    "Migration",
    "Revision",
    "Workbook",
    "WorkbookError",
    "WorkbookInfo",
    "check_name",
    "check_slug",
    "damaged",
    "disk_full",
    "disk_full_or",
    "now",
    "practice_home",
    "read_only_folder",
    "slugify",
]
