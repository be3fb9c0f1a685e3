"""A workbook read back as pandas frames, with real dtypes.

Every kind of entry (see `workbook.model.KINDS`) is one frame named for the kind —
`frames.frame(wb, "trait")`, `frames.frame(wb, "goal")` ... — with these columns, in order:

- ``entry_id`` (string), ``created_at`` and ``updated_at`` (datetime64, UTC),
  ``author`` (category: me / therapist);
- then the kind's fields: text -> string, int -> Int64, bool -> boolean,
  choice -> category (ordered as the choices are), date -> datetime64 (a calendar day,
  no time zone), ref -> string (the entry_id it points to).

Two more frames are derived:

- ``emotions``: one row per emotion per check-in — entry_id, checked_at (UTC), stage,
  emotion, intensity (Int64 0-10), family (category), pleasantness and energy
  (Int64 -3..3, missing for the person's own words).
- ``history=True`` on any kind gives every saved version instead of the current one,
  with ``rev_id``, ``written_at`` and ``deleted`` columns; `trait_history(wb)` is the
  rating history of every trait.

`all_frames(wb)` returns every frame by name (used by exports and reports).
"""

from __future__ import annotations

import pandas as pd

from . import content, model, registry
from .store import Workbook

UTC_COLUMNS = ("created_at", "updated_at", "written_at", "checked_at")
DERIVED = ("emotions",)


def _dtype(f: model.Field):
    return {
        "text": "string",
        "ref": "string",
        "int": "Int64",
        "float": "Float64",
        "bool": "boolean",
    }.get(f.type)


def _typed(df: pd.DataFrame, k: model.Kind) -> pd.DataFrame:
    for column in UTC_COLUMNS:
        if column in df:
            df[column] = pd.to_datetime(df[column], utc=True, format="ISO8601")
    for f in k.fields:
        if f.type == "choice":
            df[f.name] = pd.Categorical(df[f.name], categories=list(f.choices), ordered=True)
        elif f.type == "date":
            df[f.name] = pd.to_datetime(df[f.name], format="%Y-%m-%d")
        elif f.type == "ratings":
            df[f.name] = df[f.name].astype(object)
        else:
            df[f.name] = df[f.name].astype(_dtype(f))
    for column in ("entry_id", "rev_id"):
        if column in df:
            df[column] = df[column].astype("string")
    if "author" in df:
        df["author"] = pd.Categorical(df["author"], categories=list(model.AUTHORS))
    if "deleted" in df:
        df["deleted"] = df["deleted"].astype("boolean")
    return df


def frame(wb: Workbook, kind: str, *, history: bool = False, include_deleted: bool = False) -> pd.DataFrame:
    """The entries of `kind` as a DataFrame (see the module docstring for the columns).

    `history=True` gives every saved version; `include_deleted=True` keeps removed entries.
    `kind="emotions"` gives the long emotion frame.
    """
    if kind == "emotions":
        return emotions(wb)
    k = model.kind(kind)
    names = [f.name for f in k.fields]
    if history:
        base = ["entry_id", "rev_id", "written_at", "author", "deleted"]
        rows = [
            [r.entry_id, r.rev_id, r.written_at, r.author, r.deleted] + [r.data.get(n) for n in names]
            for r in wb.history(kind=kind)
        ]
    else:
        base = ["entry_id", "created_at", "updated_at", "author"]
        rows = [
            [e.entry_id, e.created_at, e.updated_at, e.author] + [e.data.get(n) for n in names]
            for e in wb.entries(kind, include_deleted=include_deleted)
        ]
    return _typed(pd.DataFrame(rows, columns=base + names), k)


def emotions(wb: Workbook) -> pd.DataFrame:
    """One row per emotion per check-in, with the vocabulary's family, pleasantness and energy."""
    vocab = content.emotion_index()
    rows = []
    for e in wb.entries("checkin"):
        for word, intensity in e.data["ratings"].items():
            known = vocab.get(word)
            rows.append(
                [
                    e.entry_id,
                    e.created_at,
                    registry.stage_of(e),
                    word,
                    intensity,
                    known.family if known else None,
                    known.pleasantness if known else None,
                    known.energy if known else None,
                ]
            )
    columns = [
        "entry_id",
        "checked_at",
        "stage",
        "emotion",
        "intensity",
        "family",
        "pleasantness",
        "energy",
    ]
    df = pd.DataFrame(rows, columns=columns)
    families = sorted({em.family for em in content.emotions()})
    return df.astype(
        {
            "entry_id": "string",
            "stage": "Int64",
            "emotion": "string",
            "intensity": "Int64",
            "pleasantness": "Int64",
            "energy": "Int64",
        }
    ).assign(
        checked_at=pd.to_datetime(df["checked_at"], utc=True, format="ISO8601"),
        family=pd.Categorical(df["family"], categories=families),
    )


def trait_history(wb: Workbook) -> pd.DataFrame:
    """Every rating every trait has had, oldest first (the `trait` kind with history=True)."""
    return frame(wb, "trait", history=True)


def all_frames(wb: Workbook) -> dict[str, pd.DataFrame]:
    """Every kind's frame plus the derived `emotions` frame, by name."""
    found = {name: frame(wb, name) for name in model.KINDS}
    found["emotions"] = emotions(wb)
    return found
