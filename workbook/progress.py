"""How far a workbook has come: per stage, how many entries and whether it is marked done."""

from __future__ import annotations

from dataclasses import dataclass

from . import model
from .store import Workbook

STAGE_NUMBERS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class StageProgress:
    stage: int
    entries: int
    done: bool

    @property
    def state(self) -> str:
        """'done', 'started' or 'not started'."""
        if self.done:
            return "done"
        return "started" if self.entries else "not started"


def stage_progress(wb: Workbook) -> list[StageProgress]:
    """One StageProgress per stage 1-5: entries made there, and the person's own 'done' mark."""
    counts = wb.counts()
    per_stage = dict.fromkeys(STAGE_NUMBERS, 0)
    for kind_name, count in counts.items():
        stage = model.KINDS[kind_name].stage
        if stage in per_stage:
            per_stage[stage] += count
    checkins = wb.entries("checkin") if counts.get("checkin") else []
    later = sum(1 for e in checkins if (e.data.get("stage") or 1) != 1)
    per_stage[1] -= later  # check-ins made in Stage 4 count there
    per_stage[4] += later
    done = {e.data["stage"]: bool(e.data.get("done")) for e in wb.entries("stage_done")}
    return [StageProgress(s, per_stage[s], done.get(s, False)) for s in STAGE_NUMBERS]


def mark_done(wb: Workbook, stage: int, done: bool = True):
    """Record (or undo) the person's own mark that a stage is done for now."""
    for entry in wb.entries("stage_done"):
        if entry.data["stage"] == stage:
            return wb.put("stage_done", {"stage": stage, "done": done}, entry_id=entry.entry_id)
    return wb.put("stage_done", {"stage": stage, "done": done})
