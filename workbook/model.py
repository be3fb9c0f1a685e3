"""The kinds of entry a workbook holds, their fields, and how each value is checked.

Every value that reaches the store passes through `validate()` first: widgets can be
sent any value by the page, so nothing is trusted because it came from a widget.
Each kind becomes one pandas frame (see `workbook.frames`); the field list here is
also the frame's column list, in order.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from . import content, registry
from . import text as _text_rule
from .errors import InvalidEntry
from .feelings import MAX_EMOTION_LEN as MAX_EMOTION_LEN  # a check-in's feelings: feelings.py
from .feelings import MAX_RATINGS as MAX_RATINGS
from .feelings import check_ratings as check_ratings

SHORT_TEXT = 200
LONG_TEXT = 20_000  # about eight pages of writing; more is almost surely a paste accident

REJECTION_KINDS = (
    "romantic partner",
    "friend",
    "job or career",
    "family",
    "school or group",
    "creative or academic",
    "other",
)
PROCESS_WAYS = ("journaling", "movement or exercise", "art or music", "talking to someone", "other")
REASON_STATUS = ("known", "partly known", "unknown")
TRAIT_DOMAINS = (
    "personality",
    "skills and experience",
    "education",
    "communication and relationships",
    "other",
)
TRAIT_SCALE = (-3, 3)  # clear weakness .. clear strength, 0 is neither
CASE_SIDES = ("for", "against")
VERDICTS = ("holds", "partly holds", "does not hold", "can't know")
PATHS = ("grow", "keep", "let go")
STEP_KINDS = ("step", "chance taken")
BOUNDARY_TYPES = ("physical", "mental", "emotional")
BOUNDARY_SPANS = ("for now", "for good")
PERSPECTIVES = ("I", "you", "my name")
WEIGHING_SPANS = ("days", "weeks", "months", "a year or more")
YES_NO = ("no", "a little", "yes")
SELF_HARM = ("no", "not sure", "yes")
FIRST_STAGE, LAST_STAGE = registry.method_numbers()[0], registry.method_numbers()[-1]
STAGES = (0, *registry.method_numbers())  # 0: the whole workbook, no stage in particular
AUTHORS = ("me", "therapist")


@dataclass(frozen=True)
class Field:
    """One field of an entry kind.

    `type` is one of: text, int, float, bool, choice, date, datetime, ref, ratings.
    """

    name: str
    type: str
    label: str = ""
    required: bool = False
    max_len: int = LONG_TEXT
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    ref_kind: str | None = None

    @property
    def title(self) -> str:
        """The field's name as a person reads it, in their language (data/text/messages.toml)."""
        return self.words()

    def words(self, lang: str | None = None) -> str:
        """The field's name in `lang` (by default the language in use): a Problem naming the
        field says it in the language in use when it is shown (workbook/errors.py)."""
        title = self.label or self.name.replace("_", " ")
        title = content.text("messages", lang)["fields"].get(title, title)
        return title[:1].upper() + title[1:]


@dataclass(frozen=True)
class Kind:
    """One kind of entry: its name, fields, and whether a workbook keeps just one.

    The stage that owns it is in `workbook.registry` (one list of stages for everything)."""

    name: str
    fields: tuple[Field, ...]
    single: bool = False
    doc: str = ""
    field_map: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "field_map", {f.name: f for f in self.fields})

    @property
    def stage(self) -> int:
        """The stage whose page makes this kind of entry (0 for none in particular)."""
        return registry.owner(self.name)


def _text(name, label="", *, required=False, max_len=LONG_TEXT):
    return Field(name, "text", label, required=required, max_len=max_len)


def _short(name, label="", *, required=False):
    return _text(name, label, required=required, max_len=SHORT_TEXT)


def _choice(name, choices, label="", *, required=True):
    return Field(name, "choice", label, required=required, choices=tuple(choices))


def _date(name, label="", *, required=False):
    return Field(name, "date", label, required=required)


def _ref(name, ref_kind, label="", *, required=False):
    return Field(name, "ref", label, required=required, ref_kind=ref_kind)


_KINDS = (
    # Stage 1 — feel it
    Kind(
        "rejection",
        (
            _choice("kind", REJECTION_KINDS, "what kind", required=False),
            _date("happened_on", "when it happened"),
            _text("description", "what happened", max_len=4000),
        ),
        single=True,
        doc="The rejection this workbook is about.",
    ),
    Kind(
        "checkin",
        (
            Field("ratings", "ratings", "feelings", required=True),
            _text("own_words", "in my own words", max_len=4000),
            Field("stage", "int", "stage", low=FIRST_STAGE, high=LAST_STAGE),
        ),
        doc="An emotion check-in: emotion -> intensity 0-10, plus the person's own words.",
    ),
    Kind(
        "process_plan",
        (
            _choice("way", PROCESS_WAYS, "way to process"),
            _text("plan", "my plan", max_len=2000),
        ),
        doc="A way of processing the feelings that the person plans to use.",
    ),
    Kind(
        "process_log",
        (
            _choice("way", PROCESS_WAYS, "way to process"),
            _date("done_on", "when"),
            _text("note", "how it went", max_len=2000),
        ),
        doc="A time the person used a way of processing.",
    ),
    Kind(
        "reflection",
        (
            _short("prompt", "prompt", required=True),
            _text("text", "writing"),
        ),
        doc="An answer to a guided writing prompt (one entry per prompt, edited in place).",
    ),
    Kind(
        "writing_session",
        (
            Field("minutes", "int", "minutes planned", low=1, high=60),
            _choice("perspective", PERSPECTIVES, "written as"),
            _short("topic", "topic"),
            _text("text", "writing"),
            Field("finished", "bool", "finished"),
        ),
        doc="A timed expressive-writing session.",
    ),
    # Stage 2 — look at the reason
    Kind(
        "reason",
        (
            _choice("status", REASON_STATUS, "was a reason given"),
            _text("text", "the reason", max_len=4000),
        ),
        single=True,
        doc="The reason given for the rejection, or what the person believes it is.",
    ),
    Kind(
        "trait",
        (
            _short("name", "trait", required=True),
            _choice("domain", TRAIT_DOMAINS, "domain"),
            Field("rating", "int", "rating", required=True, low=TRAIT_SCALE[0], high=TRAIT_SCALE[1]),
            Field("touched", "bool", "the reason touches this"),
            _text("note", "note", max_len=1000),
        ),
        doc="A trait rated from clear weakness (-3) to clear strength (+3).",
    ),
    Kind(
        "case_point",
        (
            _choice("side", CASE_SIDES, "side"),
            _text("text", "point", required=True, max_len=2000),
        ),
        doc="One point in the case for or against the reason.",
    ),
    Kind(
        "verdict",
        (
            _choice("value", VERDICTS, "verdict"),
            _text("note", "note", max_len=2000),
        ),
        single=True,
        doc="Whether the reason holds.",
    ),
    # Stage 3 — decide, and grow if you choose to
    Kind(
        "path_choice",
        (
            _choice("path", PATHS, "path"),
            _text("note", "note", max_len=2000),
        ),
        single=True,
        doc="The path the person chose: grow, keep as I am, or let it go.",
    ),
    Kind(
        "goal",
        (
            _short("title", "goal", required=True),
            _ref("trait_id", "trait", "linked trait"),
            _text("first_step", "what to learn or try first", max_len=2000),
            _date("target_on", "target date"),
            Field("done", "bool", "done"),
        ),
        doc="A small, achievable growth goal.",
    ),
    Kind(
        "step",
        (
            _ref("goal_id", "goal", "goal", required=True),
            _choice("kind", STEP_KINDS, "kind"),
            _date("done_on", "when", required=True),
            _text("text", "what I did", required=True, max_len=2000),
        ),
        doc="A small step toward a goal, or a chance taken to use a new skill.",
    ),
    Kind(
        "celebration",
        (
            _ref("goal_id", "goal", "goal"),
            _date("done_on", "when", required=True),
            _text("accomplishment", "what I accomplished", required=True, max_len=2000),
            _text("how", "how I celebrated", max_len=2000),
        ),
        doc="An accomplishment and how it was celebrated.",
    ),
    # Stage 4 — heal
    Kind(
        "acceptance",
        (_text("text", "accepting what happened", max_len=4000),),
        single=True,
        doc="The acceptance exercise, in the person's own words.",
    ),
    Kind(
        "quality",
        (_short("text", "a good quality", required=True),),
        doc="A good quality the person brings (Stage 2 strengths are added to these).",
    ),
    Kind(
        "boundary",
        (
            _choice("type", BOUNDARY_TYPES, "kind of distance"),
            _text("plan", "my plan", required=True, max_len=2000),
            _choice("span", BOUNDARY_SPANS, "for how long"),
        ),
        doc="A boundary: distance from the source of the hurt, with a plan.",
    ),
    Kind(
        "compassion_pause",
        (
            _text("noticing", "noticing the hurt", max_len=2000),
            _text("common", "part of being human", max_len=2000),
            _text("kindness", "kindness to myself", max_len=2000),
        ),
        doc="One self-compassion pause.",
    ),
    Kind(
        "letter",
        (_text("text", "letter", required=True),),
        doc="A letter to oneself, written as a kind friend would.",
    ),
    Kind(
        "kind_act",
        (
            _date("done_on", "when", required=True),
            _text("text", "what I did", required=True, max_len=2000),
        ),
        doc="A kind act toward oneself.",
    ),
    # Stage 5 — support
    Kind(
        "weighing",
        (
            _choice("how_long", WEIGHING_SPANS, "how long it has weighed on me", required=False),
            _choice("sleep", YES_NO, "sleep affected", required=False),
            _choice("daily_life", YES_NO, "work or relationships affected", required=False),
            _choice("self_harm", SELF_HARM, "thoughts of hurting myself", required=False),
        ),
        single=True,
        doc="Answers to 'is this rejection weighing on you?' (not a diagnosis).",
    ),
    Kind(
        "support_plan",
        (
            _short("option", "option", required=True),
            _text("note", "note", max_len=2000),
        ),
        doc="A kind of support the person would like to try.",
    ),
    # Across stages
    Kind(
        "stage_done",
        (
            Field("stage", "int", "stage", required=True, low=FIRST_STAGE, high=LAST_STAGE),
            Field("done", "bool", "done"),
        ),
        doc="The person's own mark that a stage is done for now.",
    ),
    Kind(
        "therapist_prompt",
        (
            Field("stage", "int", "stage", required=True, low=FIRST_STAGE, high=LAST_STAGE),
            _text("text", "prompt", required=True, max_len=2000),
        ),
        doc="An extra prompt a therapist added for a stage.",
    ),
    Kind(
        "prompt_answer",
        (
            _ref("prompt_id", "therapist_prompt", "prompt", required=True),
            _text("text", "answer"),
        ),
        doc="The person's answer to a therapist's extra prompt.",
    ),
    Kind(
        "therapist_note",
        (
            Field("stage", "int", "stage", required=True, low=0, high=LAST_STAGE),
            _text("text", "note", required=True, max_len=4000),
        ),
        doc="A therapist's note for a stage.",
    ),
)

KINDS: dict[str, Kind] = {k.name: k for k in _KINDS}


def kind(name: str) -> Kind:
    """The Kind named `name`; InvalidEntry for an unknown kind."""
    try:
        return KINDS[name]
    except (KeyError, TypeError):
        raise InvalidEntry("no_kind", name=repr(name)) from None


def _check_text(f: Field, value: Any) -> str:
    # one-line fields (names, titles) are tidied like names; long writing keeps its lines
    if f.max_len <= SHORT_TEXT:
        value = _text_rule.clean_name(value, what=f)
    else:
        value = _text_rule.clean_text(value, what=f)
        if not value.strip():
            raise InvalidEntry("fill_in", field=f)
    if len(value) > f.max_len:
        raise InvalidEntry("too_long", field=f, length=len(value), most=f.max_len)
    return value


def _check_number(f: Field, value: Any, cast) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidEntry("number", field=f)
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidEntry("number", field=f)
    if cast is int and value != int(value):
        raise InvalidEntry("whole_number", field=f)
    value = cast(value)
    if (f.low is not None and value < f.low) or (f.high is not None and value > f.high):
        raise InvalidEntry("out_of_range", field=f, low=f.low, high=f.high, value=value)
    return value


def _check_date(f: Field, value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise InvalidEntry("date", field=f) from None
    if not isinstance(value, dt.date):
        raise InvalidEntry("date", field=f)
    if not (dt.date(1900, 1, 1) <= value <= dt.date(2200, 12, 31)):
        raise InvalidEntry("real_date", field=f, year=str(value.year))
    return value.isoformat()


def _check_datetime(f: Field, value: Any) -> str:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise InvalidEntry("date_time", field=f) from None
    if not isinstance(value, dt.datetime):
        raise InvalidEntry("date_time", field=f)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


def _check_field(f: Field, value: Any) -> Any:
    if f.type == "text":
        return _check_text(f, value)
    if f.type == "int":
        return _check_number(f, value, int)
    if f.type == "float":
        return _check_number(f, value, float)
    if f.type == "bool":
        if not isinstance(value, bool):
            raise InvalidEntry("yes_no", field=f)
        return value
    if f.type == "choice":
        if value not in f.choices:
            raise InvalidEntry("one_of", field=f, choices=", ".join(map(str, f.choices)))
        return value
    if f.type == "date":
        return _check_date(f, value)
    if f.type == "datetime":
        return _check_datetime(f, value)
    if f.type == "ref":
        if not isinstance(value, str) or not value or len(value) > 64:
            raise InvalidEntry("unknown_ref", field=f)
        return value
    if f.type == "ratings":
        return check_ratings(value)
    raise AssertionError(f"unknown field type {f.type}")


def check_field(kind_name: str, field_name: str, value: Any) -> Any:
    """One field of a kind checked on its own (e.g. a draft); InvalidEntry says what is wrong."""
    f = kind(kind_name).field_map[field_name]
    return None if _is_empty(value) else _check_field(f, value)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate(kind_name: str, data: Any) -> dict:
    """Check `data` for `kind_name` and return a clean copy; InvalidEntry says what is wrong.

    Unknown fields are refused (the page may send anything); missing optional fields
    are stored as None.
    """
    k = kind(kind_name)
    if not isinstance(data, dict):
        raise InvalidEntry("unreadable")
    unknown = set(data) - set(k.field_map)
    if unknown:
        raise InvalidEntry("no_field", kind=k.name.replace("_", " "), field=repr(sorted(unknown)[0]))
    clean = {}
    for f in k.fields:
        value = data.get(f.name)
        if _is_empty(value) and f.type not in ("ratings",):
            if f.required:
                raise InvalidEntry("fill_in_first", field=f)
            clean[f.name] = None
            continue
        clean[f.name] = _check_field(f, value)
    return clean
