"""How far a workbook has come: per stage, how many entries and whether it is marked done."""

from __future__ import annotations

from dataclasses import dataclass

from . import registry
from .store import Workbook

# a stage's 'done' mark and a therapist's words there are not entries the person made
NOT_COUNTED = ("stage_done", "therapist_prompt", "therapist_note")


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
    """One StageProgress per stage of the method: entries the person made there (by the
    registry's one rule, `registry.stage_of`), and their own 'done' mark."""
    numbers = registry.method_numbers()
    per_stage = dict.fromkeys(numbers, 0)
    counts = wb.counts()
    # most kinds count where their stage is without reading them; only those whose stage
    # depends on what they hold are read
    looked_at = (*registry.CARRIES_STAGE, registry.ANSWER_KIND)
    for kind_name, count in counts.items():
        stage = registry.owner(kind_name)
        if kind_name not in looked_at and stage in per_stage:
            per_stage[stage] += count
    read = {k: wb.entries(k) if counts.get(k) else [] for k in (*looked_at, "therapist_prompt")}
    questions = registry.question_stages(read["therapist_prompt"])
    for kind_name in looked_at:
        if kind_name in NOT_COUNTED:
            continue
        for e in read[kind_name]:
            stage = registry.stage_of(e, questions)
            if stage in per_stage:
                per_stage[stage] += 1
    done = {e.data["stage"]: bool(e.data.get("done")) for e in read["stage_done"]}
    return [StageProgress(s, per_stage[s], done.get(s, False)) for s in numbers]


def mark_done(wb: Workbook, stage: int, done: bool = True):
    """Record (or undo) the person's own mark that a stage is done for now."""
    for entry in wb.entries("stage_done"):
        if entry.data["stage"] == stage:
            return wb.put("stage_done", {"stage": stage, "done": done}, entry_id=entry.entry_id)
    return wb.put("stage_done", {"stage": stage, "done": done})
