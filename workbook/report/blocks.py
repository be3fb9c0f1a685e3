"""The report as a list of blocks (headings, fields, notes, charts, the crisis line), built
once from a workbook; `html` and `pdf` write the same blocks out (see workbook/report/__init__.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .. import content, formats, model, registry
from ..store import Entry, Workbook
from .svg import svg_bars, svg_line, svg_traits

HIDDEN_KINDS = ("stage_done",)  # shown as a line per stage instead


@dataclass(frozen=True)
class Block:
    """One piece of the report: kind is h1, h2, h3, p, field, note, chart, rule or crisis
    (the crisis line: `label` its heading, `text` the line, `numbers` the numbers it says)."""

    kind: str
    text: str = ""
    label: str = ""
    svg: str = ""
    numbers: tuple[str, ...] = ()


def _words() -> dict:
    return content.text("report")


def _stage_name(stage: int) -> str:
    return registry.by_number(stage).title


def _show(value, f: model.Field) -> str:
    words = _words()
    if value is None or value == "":
        return ""
    if f.type == "bool":
        return words["yes"] if value else words["no"]
    if f.type == "ratings":
        ranked = sorted(value.items(), key=lambda kv: -kv[1])
        return ", ".join(f"{content.emotion_label(k)} {v}" for k, v in ranked)
    if f.type == "date":
        return formats.day(value)
    return str(value)


def _when(iso: str) -> str:
    return formats.day(iso)


def build(wb: Workbook, stages: Iterable[int] | None = None, *, title: bool = True) -> list[Block]:
    """The report's blocks for `stages` (all stages when None); nothing from other stages.

    With `title` the report opens with its title lines and the therapist's notes on the
    whole workbook (stage 0); without, it is just the stages (the practice page's review).
    """
    every = list(registry.method_numbers())
    chosen = sorted(set(stages)) if stages is not None else every
    words = t = _words()
    entries = wb.entries()
    # the person's country (saved with the workbook), else the page's: the rule of every page
    crisis = content.resources(country_code_saved=wb.meta("country"))["crisis"]
    by_stage = _by_stage(entries, chosen)
    blocks = []
    if title:
        blocks = [
            Block("h1", t["title"].format(name=wb.name)),
            Block("p", t["made"].format(date=formats.day(dt.date.today()))),
            Block(
                "p",
                t["all_stages"]
                if chosen == every
                else t["some_stages"].format(stages=", ".join(f"{s} ({_stage_name(s)})" for s in chosen)),
            ),
            Block("p", t["private"]),
        ]
        blocks.extend(whole_workbook_notes(wb))
    for stage in chosen:
        found = by_stage[stage]
        blocks.append(Block("h2", f"{stage}. {_stage_name(stage)}"))
        if any(e.kind == "stage_done" and e.data.get("done") for e in found):
            blocks.append(Block("p", t["marked_done"]))
        shown = [e for e in found if e.kind not in HIDDEN_KINDS]
        if not shown:
            blocks.append(Block("p", t["empty_stage"]))
        blocks.extend(_charts(stage, found))
        for kind_name in model.KINDS:
            group = [e for e in shown if e.kind == kind_name]
            if group:
                describe = _DESCRIBE.get(kind_name)
                said = describe(group, entries) if describe else _entries(group, entries, crisis)
                if said:  # (answers to the therapist's questions are said with the questions)
                    blocks.append(Block("h3", words["kinds"][kind_name]))
                    blocks.extend(said)
    return blocks


def _by_stage(entries: list[Entry], chosen: Iterable[int]) -> dict[int, list[Entry]]:
    """`entries` of each chosen stage, by the registry's one rule."""
    questions = registry.question_stages(entries)
    by_stage: dict[int, list[Entry]] = {s: [] for s in chosen}
    for e in entries:
        stage = registry.stage_of(e, questions)
        if stage in by_stage:
            by_stage[stage].append(e)
    return by_stage


def whole_workbook_notes(wb: Workbook) -> list[Block]:
    """The therapist's notes on the whole workbook (stage 0), under their own heading."""
    notes = [e for e in wb.entries("therapist_note") if int(e.data["stage"]) == 0]
    if not notes:
        return []
    heading = Block("h2", _words()["whole_notes"])
    return [heading, *(Block("note", e.data["text"], label=_when(e.created_at)) for e in notes)]


# -- each kind, written for a person ----------------------------------------------------------
# Internal keys and field names stay out: a question is shown in its own words, a stored
# choice as a person would say it, and a list of ratings as a summary, not one record each.
SKIPPED_FIELDS = {("checkin", "stage"), ("trait", "domain")}
# Answers that the crisis line stands right beside, whatever the answer.
HELP_BESIDE = {("weighing", "self_harm")}


def crisis_block(crisis: dict) -> Block:
    """The crisis line (`content.resources()["crisis"]`) as a block of the report."""
    return Block("crisis", crisis["line"], label=crisis["heading"], numbers=tuple(crisis.get("numbers", ())))


def picked_words() -> dict[tuple[str, str], dict[str, str]]:
    """(kind, field) -> stored value -> the words the person picked it by, in their language:
    the very lists the app's pages offer (a rejection's kind, a way to process, a boundary,
    the weighing answers, a kind of support), then the report's own (report.toml `choices`)."""
    feel, heal = content.text("feel"), content.text("heal")["boundaries"]
    weighing = content.text("support")["weighing"]
    yes_no = {"no": weighing["no"], "a little": weighing["a_little"], "yes": weighing["yes"]}
    ways = feel["process"]["ways"]
    found = {
        ("rejection", "kind"): content.rejection_kinds(),
        ("process_plan", "way"): ways,
        ("process_log", "way"): ways,
        ("boundary", "type"): {name: heal[f"type_{name}"] for name in model.BOUNDARY_TYPES},
        ("boundary", "span"): {"for now": heal["span_now"], "for good": heal["span_good"]},
        ("weighing", "how_long"): {
            "days": weighing["how_long_days"],
            "weeks": weighing["how_long_weeks"],
            "months": weighing["how_long_months"],
            "a year or more": weighing["how_long_year"],
        },
        ("weighing", "sleep"): yes_no,
        ("weighing", "daily_life"): yes_no,
        ("weighing", "self_harm"): {
            "no": weighing["no"],
            "not sure": weighing["not_sure"],
            "yes": weighing["yes"],
        },
        ("support_plan", "option"): {o["key"]: o["title"] for o in content.resources()["support"]["options"]},
    }
    for kind, fields in _words().get("choices", {}).items():
        for name, words in fields.items():
            found[(kind, name)] = words
    return found


def _entries(group: list[Entry], everything: list[Entry], crisis: dict | None = None) -> list[Block]:
    """Each entry with its date and its filled-in fields (blank and 'no' ones left out);
    with `crisis`, the crisis line right after an answer about self-harm."""
    prompt_text = {e.entry_id: e.data["text"] for e in everything if e.kind == "therapist_prompt"}
    choices = picked_words()
    labels = _words().get("labels", {})
    blocks = []
    for e in group:
        if e.kind == "therapist_note":
            blocks.append(Block("note", e.data["text"], label=_when(e.created_at)))
            continue
        blocks.append(Block("rule", label=_when(e.created_at)))
        for f in model.KINDS[e.kind].fields:
            value = e.data.get(f.name)
            if (e.kind, f.name) in SKIPPED_FIELDS or value is False:
                continue
            if f.type == "ref":
                value = prompt_text.get(value) if f.ref_kind == "therapist_prompt" else None
                if value is None:
                    continue
            said = choices.get((e.kind, f.name), {}).get(value) if isinstance(value, str) else None
            shown = said or _show(value, f)
            if shown:
                blocks.append(Block("field", shown, label=labels.get(e.kind, {}).get(f.name) or f.title))
                if crisis and (e.kind, f.name) in HELP_BESIDE:
                    blocks.append(crisis_block(crisis))
    return blocks


def _reflections(group: list[Entry], _everything: list[Entry]) -> list[Block]:
    """Guided writing: the question asked, in its words, then the answer."""
    asked = {p["key"]: p["label"] for p in content.text("feel")["why"]["prompts"]}
    blocks = []
    for e in group:
        if not (e.data.get("text") or "").strip():
            continue
        blocks.append(Block("rule", label=_when(e.created_at)))
        key = e.data.get("prompt")
        blocks.append(Block("field", e.data["text"], label=asked.get(key, key)))
    return blocks


def _traits(group: list[Entry], _everything: list[Entry]) -> list[Block]:
    """Traits as a summary: strengths, weaknesses and the rest, each with its rating and note;
    then which of them the reason touches."""
    t = _words()
    scale = content.text("reason")["traits"]["scale"]
    low = model.TRAIT_SCALE[0]

    def line(e: Entry) -> str:
        rating = int(e.data.get("rating") or 0)
        number = "0" if rating == 0 else f"{rating:+d}".replace("-", "−")
        text = t["trait_line"].format(
            name=content.trait_label(e.data["name"]), rating=f"{number}, {scale[rating - low]}"
        )
        note = (e.data.get("note") or "").strip()
        return f"{text} — {note}" if note else text

    ordered = sorted(group, key=lambda e: -abs(int(e.data.get("rating") or 0)))  # the clearest first
    blocks = []
    for label, keep in (
        (t["strengths"], lambda r: r > 0),
        (t["weaknesses"], lambda r: r < 0),
        (t["neither"], lambda r: r == 0),
    ):
        mine = [line(e) for e in ordered if keep(int(e.data.get("rating") or 0))]
        if mine:
            blocks.append(Block("field", "\n".join(mine), label=label))
    touched = [content.trait_label(e.data["name"]) for e in group if e.data.get("touched")]
    if touched:
        blocks.append(Block("field", ", ".join(touched), label=t["touched"]))
    return blocks


def _case(group: list[Entry], _everything: list[Entry]) -> list[Block]:
    """The case for and against the reason, side by side in words."""
    t = _words()
    blocks = []
    for side, label in (("for", t["case_for"]), ("against", t["case_against"])):
        points = [f"• {e.data['text']}" for e in group if e.data.get("side") == side]
        if points:
            blocks.append(Block("field", "\n".join(points), label=label))
    return blocks


def _questions(group: list[Entry], everything: list[Entry]) -> list[Block]:
    """The therapist's questions, each once, with the person's answer (or that there is none yet)."""
    answers: dict[str, list[Entry]] = {}
    for e in everything:
        if e.kind == "prompt_answer" and (e.data.get("text") or "").strip():
            answers.setdefault(e.data.get("prompt_id"), []).append(e)
    blocks = []
    for question in group:
        given = answers.get(question.entry_id, [])
        if given:
            blocks.append(Block("rule", label=_when(max(a.updated_at for a in given))))
        said = "\n\n".join(a.data["text"] for a in given) or _words()["not_answered"]
        blocks.append(Block("field", said, label=question.data["text"]))
    return blocks


def _answers(_group: list[Entry], _everything: list[Entry]) -> list[Block]:
    """Said with their questions (`_questions`); an answer's question is always in its stage."""
    return []


_DESCRIBE = {
    "reflection": _reflections,
    "trait": _traits,
    "case_point": _case,
    "therapist_prompt": _questions,
    "prompt_answer": _answers,
}


# -- charts (inline SVG, drawn here) ---------------------------------------------------------
def _charts(stage: int, found: list[Entry]) -> list[Block]:
    t = _words()
    blocks = []
    checkins = [e for e in found if e.kind == "checkin"]
    if len(checkins) > 1:  # one check-in is no line: its feelings are listed in words below
        points = [(e.created_at, max(e.data["ratings"].values())) for e in checkins]
        blocks.append(Block("chart", t["chart_checkins"], svg=svg_line(points, t["chart_checkins"])))
    traits = [e for e in found if e.kind == "trait"]
    if len(traits) > 1:  # a chart of one bar says no more than the words below
        rows = [
            (content.trait_label(e.data["name"]), int(e.data.get("rating") or 0), bool(e.data.get("touched")))
            for e in traits
        ]
        blocks.append(Block("chart", t["chart_traits"], svg=svg_traits(rows, t["chart_traits"])))
    goals = [e for e in found if e.kind == "goal"]
    if len(goals) > 1:
        steps = [e for e in found if e.kind == "step"]
        rows = [(g.data["title"], sum(1 for s in steps if s.data["goal_id"] == g.entry_id)) for g in goals]
        high = max([1] + [n for _label, n in rows])
        blocks.append(
            Block("chart", t["chart_goals"], svg=svg_bars(rows, t["chart_goals"], low=0, high=high))
        )
    return blocks


def _title(blocks: list[Block]) -> str:
    return next((b.text for b in blocks if b.kind == "h1"), _words()["fallback_title"])
