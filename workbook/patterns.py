"""Patterns across rejections: what a person's workbooks say together (issue 24, "patterns").

Each workbook is one rejection. Read side by side they answer what someone after their
third or tenth "no" asks: which parts of me do I keep blaming, which strengths held every
time, did the feelings ease each time, what did I keep doing that helped.

`across(workbooks)` reads them once into frames (pandas), `sentences(found)` puts the
findings into plain words in the language in use. Nothing is written or shared: the page and
`08_explore` only read. Only the person's own entries count (a therapist's notes are theirs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from . import content, formats, frames
from .registry import PATTERNS_FROM
from .store import Workbook

STRONG = 2  # a trait rated +2 or +3 is a clear strength; -2 or -3 a clear weakness
AGAIN = 2  # "again and again": in at least this many rejections


@dataclass
class Patterns:
    """The frames behind the page; each has a `workbook` column (the workbook's name)."""

    rejections: pd.DataFrame  # one row per workbook: workbook, slug, happened_on, kind
    traits: pd.DataFrame  # workbook, trait, domain, rating, touched
    feelings: pd.DataFrame  # workbook, first_at, last_at, first_weight, last_weight, checkins
    practices: pd.DataFrame  # workbook, practice, times
    support: pd.DataFrame  # workbook, option


def _own(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["author"] == "me"] if "author" in df else df


def weight(checkin: pd.DataFrame) -> float:
    """How heavy one check-in was: the mean strength (0-10) of its unpleasant feelings, or of
    every feeling when none is known to be unpleasant (the person's own words)."""
    hard = checkin[checkin["pleasantness"].fillna(0) < 0]
    rows = hard if len(hard) else checkin
    return float(rows["intensity"].astype(float).mean())


def _one(wb: Workbook, slug: str) -> dict[str, pd.DataFrame | dict]:
    name = wb.name
    rejection = wb.single("rejection")
    happened = rejection.data.get("happened_on") if rejection else None
    row = {
        "workbook": name,
        "slug": slug,
        "happened_on": pd.to_datetime(happened) if happened else pd.NaT,
        "kind": rejection.data.get("kind") if rejection else None,
        "started_at": pd.to_datetime(wb.meta("created_at") or None, utc=True),
    }
    traits = _own(frames.frame(wb, "trait"))[["name", "domain", "rating", "touched"]]
    traits = traits.rename(columns={"name": "trait"}).assign(workbook=name)

    feel = frames.emotions(wb)
    feelings = pd.DataFrame()
    if len(feel):
        by_checkin = feel.groupby("entry_id", sort=False)
        order = by_checkin["checked_at"].first().sort_values()
        first, last = order.index[0], order.index[-1]
        feelings = pd.DataFrame(
            [
                {
                    "workbook": name,
                    "first_at": order.iloc[0],
                    "last_at": order.iloc[-1],
                    "first_weight": weight(by_checkin.get_group(first)),
                    "last_weight": weight(by_checkin.get_group(last)),
                    "checkins": len(order),
                }
            ]
        )

    practice_rows = []
    logs = _own(frames.frame(wb, "process_log"))
    for way, times in logs["way"].dropna().astype(str).value_counts().items():
        practice_rows.append({"workbook": name, "practice": way, "times": int(times)})
    for kind in ("kind_act", "compassion_pause", "step", "letter"):
        times = len(_own(frames.frame(wb, kind)))
        if times:
            practice_rows.append({"workbook": name, "practice": kind, "times": times})
    support = _own(frames.frame(wb, "support_plan"))[["option"]].assign(workbook=name)
    return {
        "rejection": row,
        "traits": traits,
        "feelings": feelings,
        "practices": pd.DataFrame(practice_rows, columns=["workbook", "practice", "times"]),
        "support": support,
    }


def across(workbooks: Iterable[tuple[str, Workbook]]) -> Patterns:
    """Read (slug, open workbook) pairs into one set of frames, oldest rejection first."""
    parts = [_one(wb, slug) for slug, wb in workbooks]
    rejections = pd.DataFrame(
        [p["rejection"] for p in parts], columns=["workbook", "slug", "happened_on", "kind", "started_at"]
    )
    if len(rejections):
        # when it happened if the person said; else when they started the workbook
        happened = (
            pd.to_datetime(rejections["happened_on"]).dt.tz_localize("UTC").astype("datetime64[ns, UTC]")
        )
        when = happened.fillna(
            pd.to_datetime(rejections["started_at"], utc=True).astype("datetime64[ns, UTC]")
        )
        rejections = rejections.assign(_when=when).sort_values("_when", kind="stable").drop(columns="_when")
        rejections = rejections.reset_index(drop=True)

    def joined(name: str, columns: list[str]) -> pd.DataFrame:
        found = [p[name] for p in parts if len(p[name])]
        return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=columns)

    return Patterns(
        rejections=rejections,
        traits=joined("traits", ["trait", "domain", "rating", "touched", "workbook"]),
        feelings=joined(
            "feelings", ["workbook", "first_at", "last_at", "first_weight", "last_weight", "checkins"]
        ),
        practices=joined("practices", ["workbook", "practice", "times"]),
        support=joined("support", ["option", "workbook"]),
    )


def blamed_again(found: Patterns) -> pd.DataFrame:
    """Traits marked as part of the reason in AGAIN or more rejections: trait, times, of."""
    touched = found.traits[found.traits["touched"].fillna(False).astype(bool)]
    counts = touched.groupby("trait")["workbook"].nunique()
    counts = counts[counts >= AGAIN].sort_values(ascending=False, kind="stable")
    return pd.DataFrame({"trait": counts.index, "times": counts.to_numpy(dtype=int)})


def strengths_held(found: Patterns) -> pd.DataFrame:
    """Traits rated a clear strength every time they were rated, in AGAIN or more rejections."""
    rated = found.traits.dropna(subset=["rating"])
    if not len(rated):
        return pd.DataFrame(columns=["trait", "times"])
    by_trait = rated.groupby("trait").agg(lowest=("rating", "min"), times=("workbook", "nunique"))
    held = by_trait[(by_trait["lowest"] >= STRONG) & (by_trait["times"] >= AGAIN)]
    held = held.sort_values("times", ascending=False, kind="stable")
    return pd.DataFrame({"trait": held.index, "times": held["times"].to_numpy(dtype=int)})


def eased(found: Patterns) -> pd.DataFrame:
    """Per rejection with two or more check-ins: did the hard feelings get lighter?"""
    feel = found.feelings[found.feelings["checkins"] >= 2] if len(found.feelings) else found.feelings
    return feel.assign(lighter=feel["last_weight"] < feel["first_weight"]) if len(feel) else feel


def kept_up(found: Patterns) -> pd.DataFrame:
    """Practices used in AGAIN or more rejections: practice, rejections, times."""
    p = found.practices
    if not len(p):
        return pd.DataFrame(columns=["practice", "rejections", "times"])
    by = p.groupby("practice").agg(rejections=("workbook", "nunique"), times=("times", "sum"))
    by = by[by["rejections"] >= AGAIN].sort_values(["rejections", "times"], ascending=False, kind="stable")
    return by.reset_index()


def practice_label(practice: str) -> str:
    """A practice in the person's words: a way of processing, or a kind of entry."""
    words = content.text("patterns")["practices"]
    return words.get(practice) or words["ways"].get(practice, practice)


def sentences(found: Patterns) -> list[str]:
    """The findings in plain words, most telling first; [] with fewer than two rejections."""
    t = content.text("patterns")
    total = len(found.rejections)
    if total < PATTERNS_FROM:
        return []
    said = [t["how_many"].format(n=formats.number(total))]
    for row in blamed_again(found).itertuples():
        said.append(
            t["blamed"].format(trait=content.trait_label(row.trait), n=formats.number(row.times), total=total)
        )
    held = strengths_held(found)
    if len(held):
        names = formats.word_list([content.trait_label(name) for name in held["trait"]])
        said.append(t["held"].format(traits=names))
    feel = eased(found)
    if len(feel):
        lighter = int(feel["lighter"].sum())
        said.append(t["eased"].format(n=formats.number(lighter), total=formats.number(len(feel))))
    for row in kept_up(found).head(3).itertuples():
        said.append(
            t["kept"].format(
                practice=practice_label(row.practice), n=formats.number(row.rejections), total=total
            )
        )
    helped = found.support["option"].dropna().astype(str) if len(found.support) else pd.Series(dtype=str)
    if len(helped):
        titles = {o["key"]: o["title"] for o in content.resources()["support"]["options"]}
        again = helped.value_counts()
        names = formats.word_list([titles.get(key, key) for key in again.index[:3]])
        said.append(t["support"].format(options=names))
    if len(said) == 1:
        said.append(t["nothing_yet"])
    return said
