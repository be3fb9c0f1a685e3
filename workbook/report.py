"""A printable report of a workbook — all of it, or only the stages that were shared.

The report is built once as a small list of blocks (headings, fields, notes, charts),
then written out two ways from the same blocks, so they always hold the same things:

- `report_html` — one self-contained HTML file: inline CSS, charts as inline SVG drawn
  here (no script, no CDN, works offline), every piece of user text escaped;
- `report_pdf` — a PDF of the same, drawn with fpdf2 (pure Python; the charts go in as
  the same SVG).

`report_zip` adds CSV tables of every frame, written by `workbook.export` (the one piece
of code that writes CSV).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import html
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import content, formats, model, registry
from .store import Entry, Workbook

FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)
HIDDEN_KINDS = ("stage_done",)  # shown as a line per stage instead
INK, ACCENT, SOFT, GRID = "#2b2d42", "#4a6fa5", "#b8c7dd", "#d9dee7"
CRISIS_FILL = (245, 238, 226)  # the crisis line's warm ground in the PDF (#f5eee2, as the app's)


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


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def svg_bars(rows: list[tuple[str, float]], title: str, *, low: float, high: float) -> str:
    """Horizontal bars from a zero line, one per (label, value); labels escaped."""
    rows = rows[:40]
    label_w, bar_w, row_h, top = 220, 380, 24, 10
    width, height = label_w + bar_w + 50, top + row_h * len(rows) + 24
    scale = bar_w / (high - low)
    zero = label_w + (0 - low) * scale
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
        f"<title>{_e(title)}</title>",
        f'<line x1="{zero:.1f}" y1="{top - 4}" x2="{zero:.1f}" y2="{height - 20}" stroke="{INK}" stroke-width="1"/>',
    ]
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        x0, x1 = sorted((zero, label_w + (value - low) * scale))
        short = label if len(label) <= 32 else label[:31] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" fill="{INK}">{_e(short)}</text>'
        )
        parts.append(
            f'<rect x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 1.5):.1f}" height="{row_h - 8}" '
            f'fill="{ACCENT if value >= 0 else SOFT}"/>'
        )
        parts.append(f'<text x="{x1 + 4:.1f}" y="{y + 15}" fill="{INK}">{_e(f"{value:g}")}</text>')
    base = height - 6
    parts.append(f'<text x="{label_w}" y="{base}" fill="{INK}">{low:g}</text>')
    parts.append(f'<text x="{label_w + bar_w}" y="{base}" text-anchor="end" fill="{INK}">{high:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_traits(rows: list[tuple[str, int, bool]], title: str) -> str:
    """The app's trait picture (workbook/charts/traits.py `by_trait`) drawn here as SVG, so
    the report and the PDF show it as the app does: one bar per (name, rating, touched),
    strengths to the right in the app's blue, weaknesses to the left in its vermillion,
    'neither' a grey dot at 0; a trait the reason touches has ◆ after its name and a striped
    bar (a diamond for a dot), so the mark never rests on colour alone. Strongest strength
    first. Only shapes fpdf2 draws (rect, line, circle, path, text)."""
    from .charts.render import NEUTRAL, STRENGTH, WEAKNESS
    from .charts.traits import MARK

    t = content.text("reason")["chart"]
    scale = content.text("reason")["traits"]["scale"]
    low, high = model.TRAIT_SCALE
    rows = sorted(rows, key=lambda r: (-r[1], r[0].casefold()))[:40]
    marked = any(r[2] for r in rows)
    label_w, bar_w, row_h = 220, 380, 24
    top = 34 + (20 if marked else 0)  # the key's line(s) above the bars
    width = label_w + bar_w + 30
    height = top + row_h * len(rows) + 40
    step = bar_w / (high - low)
    zero = label_w + (0 - low) * step
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
        f"<title>{_e(title)}</title>",
    ]
    # the key, as the app's legend: a swatch for each group there is, then the mark
    x = 8
    present = (
        (t["strengths"], STRENGTH, any(r[1] > 0 for r in rows)),
        (t["weaknesses"], WEAKNESS, any(r[1] < 0 for r in rows)),
        (t["neither"], NEUTRAL, any(r[1] == 0 for r in rows)),
    )
    for name, colour, shown in present:
        if not shown:
            continue
        if colour == NEUTRAL:
            parts.append(
                f'<circle cx="{x + 6}" cy="12" r="6" fill="{NEUTRAL}" stroke="#555555" stroke-width="1"/>'
            )
        else:
            parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 17}" y="16" fill="{INK}">{_e(name)}</text>')
        x += 17 + 7.5 * len(name) + 16
    if marked:  # on a line of its own: in Spanish the key and the legend don't fit on one
        parts.append(f'<text x="8" y="36" fill="{INK}">{_e(t["touched_key"])}</text>')
    for level in range(low, high + 1):  # light grid, the zero line strong (as the app)
        gx = label_w + (level - low) * step
        colour, stroke = ("#333333", 2) if level == 0 else ("#e6e6e6", 1)
        parts.append(
            f'<line x1="{gx:.1f}" y1="{top - 4}" x2="{gx:.1f}" y2="{height - 34}" '
            f'stroke="{colour}" stroke-width="{stroke}"/>'
        )
    for i, (name, rating, touched) in enumerate(rows):
        y = top + i * row_h
        label = (name if len(name) <= 30 else name[:29] + "…") + (f" {MARK}" if touched else "")
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" fill="{INK}">{_e(label)}</text>'
        )
        if rating == 0:
            cy = y + row_h / 2
            if touched:
                d = f"M {zero:.1f} {cy - 7:.1f} L {zero + 7:.1f} {cy:.1f} L {zero:.1f} {cy + 7:.1f} L {zero - 7:.1f} {cy:.1f} Z"
                parts.append(f'<path d="{d}" fill="{NEUTRAL}" stroke="#555555" stroke-width="1"/>')
            else:
                parts.append(
                    f'<circle cx="{zero:.1f}" cy="{cy:.1f}" r="6" fill="{NEUTRAL}" stroke="#555555" stroke-width="1"/>'
                )
            continue
        colour = STRENGTH if rating > 0 else WEAKNESS
        x0, x1 = sorted((zero, label_w + (rating - low) * step))
        y0, h = y + 4, row_h - 8
        parts.append(f'<rect x="{x0:.1f}" y="{y0}" width="{x1 - x0:.1f}" height="{h}" fill="{colour}"/>')
        if touched:
            parts.extend(_stripes(x0, y0, x1 - x0, h))
    base = height - 14
    for level, word in ((low, scale[0]), (0, scale[-low]), (high, scale[-1])):
        gx = label_w + (level - low) * step
        anchor = {low: "start", 0: "middle", high: "end"}[level]
        parts.append(f'<text x="{gx:.1f}" y="{base}" text-anchor="{anchor}" fill="{INK}">{_e(word)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _stripes(x0: float, y0: float, w: float, h: float, gap: float = 6) -> list[str]:
    """White diagonal stripes inside a bar (the app's '/' pattern), each line cut to the bar."""
    lines = []
    start = x0 - h
    while start < x0 + w:
        t_lo, t_hi = max(0.0, x0 - start), min(h, x0 + w - start)
        if t_lo < t_hi:
            lines.append(
                f'<line x1="{start + t_lo:.1f}" y1="{y0 + h - t_lo:.1f}" x2="{start + t_hi:.1f}" '
                f'y2="{y0 + h - t_hi:.1f}" stroke="white" stroke-width="1.5"/>'
            )
        start += gap
    return lines


def svg_line(points: list[tuple[str, float]], title: str, *, high: float = 10) -> str:
    """Values 0..high over time (ISO timestamps), as dots joined by a line."""
    points = sorted(points)[-200:]
    left, width, height, top, plot_h = 40, 640, 220, 12, 170
    times = [dt.datetime.fromisoformat(p[0]).timestamp() for p in points]
    span = (max(times) - min(times)) or 1.0
    plot_w = width - left - 20

    def xy(i):
        x = left + (times[i] - min(times)) / span * plot_w if len(points) > 1 else left + plot_w / 2
        y = top + plot_h - points[i][1] / high * plot_h
        return x, y

    coords = [xy(i) for i in range(len(points))]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
        f"<title>{_e(title)}</title>",
    ]
    for level in (0, 5, 10):
        y = top + plot_h - level / high * plot_h
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 20}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">{level}</text>')
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    for x, y in coords:
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{ACCENT}"/>')
    first, last = _when(points[0][0]), _when(points[-1][0])
    parts.append(f'<text x="{left}" y="{height - 8}" fill="{INK}">{_e(first)}</text>')
    parts.append(f'<text x="{width - 20}" y="{height - 8}" text-anchor="end" fill="{INK}">{_e(last)}</text>')
    parts.append("</svg>")
    return "".join(parts)


# -- HTML --------------------------------------------------------------------------------------
# The page is a Jinja2 template (workbook/templates/report.html.j2, its blocks in
# report_body.html.j2), autoescaped: every piece of text is escaped unless marked safe, and
# only the charts (SVG drawn above, their text escaped there) are.
@functools.cache
def _templates():
    import jinja2
    import markupsafe

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("workbook", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    # text with its phone numbers as tel: links (content.tel_html escapes the rest)
    env.filters["tel"] = lambda text, numbers: markupsafe.Markup(content.tel_html(text, numbers))
    return env


def _title(blocks: list[Block]) -> str:
    return next((b.text for b in blocks if b.kind == "h1"), _words()["fallback_title"])


def render_html(blocks: list[Block]) -> str:
    """The blocks as one self-contained HTML page (no scripts, no outside files)."""
    page = _templates().get_template("report.html.j2")
    return page.render(blocks=blocks, shift=0, title=_title(blocks), lang=_words()["lang"])


def render_body(blocks: list[Block], *, shift: int = 0) -> str:
    """The blocks as an HTML fragment (headings moved `shift` levels down), user text escaped."""
    return _templates().get_template("report_body.html.j2").render(blocks=blocks, shift=shift)


def report_html(wb: Workbook, stages: Iterable[int] | None = None) -> str:
    """A printable, self-contained HTML report of `stages` (all when None)."""
    return render_html(build(wb, stages))


# -- PDF -------------------------------------------------------------------------------------
def _font_files() -> tuple[Path, Path] | None:
    for folder in FONT_DIRS:
        regular, bold = Path(folder) / "DejaVuSans.ttf", Path(folder) / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def render_pdf(blocks: list[Block], *, pages: list[int] | None = None) -> bytes:
    """The same blocks as a PDF (A4). Uses DejaVu Sans when installed, for any language;
    otherwise a built-in font, with characters it lacks shown as '?'.

    `pages`, if given, gets the page each block starts on (to check the layout)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(18, 18, 18)
    fonts = _font_files()
    if fonts:
        pdf.add_font("body", "", str(fonts[0]))
        pdf.add_font("body", "B", str(fonts[1]))
        family = "body"
        clean = lambda s: s  # noqa: E731
    else:  # pragma: no cover - depends on the machine's fonts
        family = "helvetica"
        clean = lambda s: s.encode("latin-1", "replace").decode("latin-1")  # noqa: E731
    pdf.set_title(clean(_title(blocks)))
    pdf.add_page()
    width = pdf.epw
    sizes = {"h1": 18, "h2": 14, "h3": 12}
    for i, b in enumerate(blocks):
        if b.kind in sizes or b.kind in ("rule", "field", "crisis"):
            # a heading (or a label) never stands alone at the foot of a page: it goes on
            # with the start of what follows it
            _keep_with_next(pdf, blocks[i:], width)
        if pages is not None:
            pages.append(pdf.page)
        if b.kind in sizes:
            pdf.ln(4 if b.kind != "h1" else 0)
            pdf.set_font(family, "B", sizes[b.kind])
            pdf.multi_cell(width, 8, clean(b.text), align="L", new_x="LMARGIN", new_y="NEXT")
        elif b.kind == "p":
            pdf.set_font(family, "", 10)
            pdf.multi_cell(width, 5.5, clean(b.text), align="L", new_x="LMARGIN", new_y="NEXT")
        elif b.kind == "rule":
            pdf.ln(2)
            pdf.set_draw_color(200, 205, 215)
            pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
            pdf.set_font(family, "", 8)
            pdf.multi_cell(width, 5, clean(b.label), align="L", new_x="LMARGIN", new_y="NEXT")
        elif b.kind == "field":
            pdf.set_font(family, "B", 9)
            pdf.multi_cell(width, 5, clean(b.label), align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(family, "", 10)
            pdf.multi_cell(width, 5.5, clean(b.text), align="L", new_x="LMARGIN", new_y="NEXT")
        elif b.kind == "crisis":  # the line, a link that calls its number, on a warm ground
            pdf.set_fill_color(*CRISIS_FILL)
            link = content.tel_href(b.numbers[0]) if b.numbers else None
            pdf.set_font(family, "B", 10)
            pdf.multi_cell(width, 5.5, clean(b.label), fill=True, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(family, "", 10)
            pdf.multi_cell(
                width, 5.5, clean(b.text), fill=True, align="L", link=link, new_x="LMARGIN", new_y="NEXT"
            )
            pdf.ln(2)
        elif b.kind == "note":
            pdf.set_fill_color(243, 241, 231)
            pdf.set_font(family, "", 8)
            pdf.multi_cell(width, 5, clean(b.label), fill=True, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(family, "", 10)
            pdf.multi_cell(width, 5.5, clean(b.text), fill=True, align="L", new_x="LMARGIN", new_y="NEXT")
        elif b.kind == "chart":
            pdf.ln(2)
            # a chart fpdf2 can't draw leaves its caption
            with contextlib.suppress(Exception):
                pdf.image(io.BytesIO(pdf_svg(b.svg, family, clean).encode("utf-8")), w=min(width, 160))
            pdf.set_font(family, "", 8)
            pdf.multi_cell(width, 5, clean(b.text), align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def pdf_svg(svg: str, family: str, clean=lambda s: s) -> str:
    """A chart's SVG as fpdf2 draws it: no <title> (fpdf2 warns about it), and its words in the
    report's own font `family`, which has every character ("…", "−", "◆")."""
    svg = re.sub(r"<title>.*?</title>", "", svg)
    return re.sub(r'font-family="[^"]*"', f'font-family="{family}"', clean(svg))


KEEP_MM = 22  # room a heading needs under it for the first lines of what it heads


def _keep_with_next(pdf, following: list[Block], width: float) -> None:
    """Start a new page unless a heading or label, and the start of what it heads, fit here."""
    need = 0.0
    for n, b in enumerate(following):
        if b.kind == "chart":
            need += _chart_height(b, width) + 8
            break
        if b.kind in ("h1", "h2", "h3", "rule") or (b.kind == "p" and len(b.text) < 90):
            need += {"h1": 10, "h2": 12, "h3": 11, "rule": 7}.get(b.kind, 6)  # a short line goes along
            continue
        need += KEEP_MM if b.kind != "field" else 5 + min(KEEP_MM - 5, 5.5 * (1 + len(b.text) // 90))
        if b.kind == "field" and following[n + 1 : n + 2] and following[n + 1].kind == "crisis":
            need += KEEP_MM  # an answer about self-harm and the crisis line beside it stay together
        break
    if pdf.get_y() + need > pdf.page_break_trigger and pdf.get_y() > pdf.t_margin + 1:
        pdf.add_page()


def _chart_height(b: Block, width: float) -> float:
    """A chart's height on the page, in mm, from its SVG's size at the width it is drawn."""
    found = re.search(r'width="(\d+)" height="(\d+)"', b.svg)
    if not found:
        return 60.0
    w_px, h_px = (int(n) for n in found.groups())
    return min(width, 160) * h_px / w_px


def report_pdf(wb: Workbook, stages: Iterable[int] | None = None) -> bytes:
    """A PDF of the same report as `report_html`."""
    return render_pdf(build(wb, stages))


# -- CSV tables ----------------------------------------------------------------------------------
def stage_frames(wb: Workbook, stages: Iterable[int] | None = None) -> dict:
    """Every frame (see `workbook.frames.all_frames`), keeping only rows from `stages`."""
    from .frames import all_frames

    frames = all_frames(wb)
    if stages is None or set(stages) >= set(registry.method_numbers()):
        return frames
    kept_ids = {e.entry_id for found in _by_stage(wb.entries(), set(stages)).values() for e in found}
    return {
        name: df[df["entry_id"].isin(kept_ids).astype(bool)].reset_index(drop=True)
        for name, df in frames.items()
    }


def report_zip(wb: Workbook, stages: Iterable[int] | None = None) -> bytes:
    """report.html, report.pdf and tables/<frame>.csv for `stages`, in one zip."""
    from .export import frames_to_csv_files

    blocks = build(wb, stages)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("report.html", render_html(blocks))
        zf.writestr("report.pdf", render_pdf(blocks))
        for name, data in frames_to_csv_files(stage_frames(wb, stages)).items():
            zf.writestr(f"tables/{name}", data)
    return buffer.getvalue()
