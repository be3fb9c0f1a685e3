"""A therapist's caseload at a glance (issue 24, "caseload"): who needs attention first.

Read from the practice folder's client copies, which hold only what each client chose to
share (by file or on the practice server): nothing here can show more than that. Each client
gets one row: last activity, stages shared and done, any self-check answer that calls for
care (thoughts of hurting themselves: "yes" or "not sure", with its date), and how their
feelings moved since the share before the latest one. Rows are sorted by who needs
attention: care first ("yes" before "not sure", the most recent first), then feelings that
got heavier, then the most recently active.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from . import frames
from .exchange import ACTIVITY_BEFORE_LAST_SHARE, ClientSummary, clients
from .patterns import weight
from .store import Home, WorkbookError

CARE = ("yes", "not sure")  # self_harm answers that call for care, most urgent first
MOVED = 1.0  # a change in weight (0-10) smaller than this is "about the same"


@dataclass(frozen=True)
class Case:
    """One client's row."""

    client: ClientSummary
    care: str | None = None  # "yes" / "not sure", or None
    care_on: str | None = None  # when that answer was last saved (ISO UTC)
    before: float | None = None  # weight of hard feelings at the last check-in before the latest share
    now: float | None = None  # ... at the latest check-in
    checkins: int = 0

    @property
    def moved(self) -> str | None:
        """ "heavier", "lighter", "same", or None without two check-ins to compare."""
        if self.before is None or self.now is None:
            return None
        if self.now - self.before >= MOVED:
            return "heavier"
        if self.before - self.now >= MOVED:
            return "lighter"
        return "same"

    def attention(self) -> tuple:
        """Sort key: smaller comes first."""
        care = CARE.index(self.care) if self.care in CARE else len(CARE)
        care_recent = -_stamp(self.care_on) if self.care else 0
        heavier = 0 if self.moved == "heavier" else 1
        return (care, care_recent, heavier, -_stamp(self.client.last_activity), self.client.alias)


def _stamp(iso: str | None) -> float:
    if not iso:
        return 0.0
    try:
        return dt.datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return 0.0


def case(practice: Home, client: ClientSummary) -> Case:
    """The row for one client copy (a copy that can't be opened keeps only its problem)."""
    if client.problem:
        return Case(client)
    try:
        wb = practice.open(client.slug, read_only=True)
    except WorkbookError:
        return Case(client)
    with wb:
        weighing = wb.single("weighing")
        answer = weighing.data.get("self_harm") if weighing and weighing.author == "me" else None
        care = answer if answer in CARE else None
        feel = frames.emotions(wb)
        before = now = None
        count = 0
        if len(feel):
            order = feel.groupby("entry_id", sort=False)["checked_at"].first().sort_values()
            count = len(order)
            since = wb.meta(ACTIVITY_BEFORE_LAST_SHARE)
            cut = pd.Timestamp(since) if since else None
            earlier = [eid for eid, at in order.items() if cut is not None and at <= cut]
            if count >= 2:
                now = weight(feel[feel["entry_id"] == order.index[-1]])
                base = earlier[-1] if earlier else order.index[0]
                before = weight(feel[feel["entry_id"] == base]) if base != order.index[-1] else None
        return Case(client, care, weighing.updated_at if care else None, before, now, count)


def caseload(practice: Home) -> list[Case]:
    """Every client in the practice folder, who needs attention first."""
    if not practice.path.is_dir():
        return []
    return sorted((case(practice, c) for c in clients(practice)), key=Case.attention)
