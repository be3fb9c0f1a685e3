"""The therapist's practice page (notebooks/07_practice.ipynb).

Prepare a workbook for a client, bring in share files, list clients, review what a
client shared (read-only, with the same stage pages through ``?client=<slug>``), write
notes per stage, and make the notes file and a printable report. Client copies live in
the practice folder (`workbook.exchange.practice_home`), apart from the therapist's own
workbooks.
"""

from __future__ import annotations

import functools
import time

import ipywidgets as w

from .. import content, exchange, registry, report, transport
from ..lock import headers_open as lock_headers_open
from ..share import NeedsPassphrase, ShareError
from ..store import check_slug
from ..text import labels
from . import hubshare, plain, practicekey
from .forms import StagePicker, action, button, dropdown, stacked, text_area, text_line
from .handover import (
    NewPassphrase,
    Working,
    download_link,
    file_picker,
    passphrase_box,
    uploaded,
    words,
)
from .links import page_link
from .lock import FolderLockSection, folder_idle_minutes
from .markup import esc, when
from .page import FolderPage
from .practicekey import key_facts

REVIEW_CSS = (
    "<style>.wb-review-stage .field{display:block;margin:0 0 .5em 0}.wb-review-stage .field p{margin:0}"
    ".wb-review-stage .label{font-weight:600}.wb-review-stage .when{color:#555;font-size:.85em;"
    "border-top:1px solid #ddd;padding-top:.3em;margin:.8em 0 .2em}"
    ".wb-review-stage .note{background:#f3f1e7;border-left:4px solid #c9a227;padding:.4em .8em;margin:.5em 0}"
    ".wb-review-stage svg{max-width:100%;height:auto}</style>"
)


class PracticePage(FolderPage):
    """The therapist's page: their clients, not a workbook of their own."""

    def __init__(self, home=None, *, by_server: bool = False):
        self.by_server = by_server  # the header says where the practice folder is
        self.touched_at = time.monotonic()  # the last press or choice (the idle lock counts from it)
        super().__init__(home)

    def touch(self, *_change) -> None:
        """The therapist did something: a press, a choice, or typing (the idle lock's clock)."""
        self.touched_at = time.monotonic()

    def guard(self, callback, *, near=None):
        inner = super().guard(callback, near=near)

        @functools.wraps(callback)
        def touched(*args, **kwargs):
            self.touch()
            return inner(*args, **kwargs)

        return touched

    def heading(self):
        t = words()["practice"]
        intro = t["intro_server"] if self.by_server else t["intro"]  # not "on this computer" there
        return [(0, t["nav_start"])], t["title"], intro

    def built_again(self):
        """The practice page afresh (after the browser's language changed it)."""
        return show(home=self.session.home.path)


class Practice:
    """Builds the practice page; `Practice(...).widget` is what the notebook shows."""

    def __init__(self, *, home=None):
        self.transport = transport.chosen()  # by the practice server, or by files
        self.on_hub = self.transport.by_server
        self.page = PracticePage(home, by_server=self.on_hub)
        self.home = self.page.session.home
        self._note_boxes: dict[tuple[str, int], w.Textarea] = {}
        self._note_status: dict[tuple[str, int], w.HTML] = {}
        self.practice = exchange.practice_home(self.home)
        self.t = words()["practice"]
        self.stage_names = words()["stages"]
        if self.on_hub:  # on a practice server: the key, invitations and the inbox
            self.hub = hubshare.TherapistHub(
                self.page, self.practice, self.transport, on_change=lambda slug: self.refresh(select=slug)
            )
        self._prepare_section()
        self._import_section()
        self.clients_html = plain.HTML()
        self.clients_box = self.page.section(self.t["clients_title"], "", self.clients_html)
        self._review_section()
        # the clients' copies under one passphrase: asked first when they are locked
        self.lock = FolderLockSection(
            self.page, self.practice, on_change=self._opened, key_home=self.home if self.on_hub else None
        )
        if self.on_hub:
            self._server_order()
        self.refresh()
        if not self.on_hub and self.practice.path.is_dir() and self.practice.list():
            self._files_order()
        if self.lock._unopened():
            self.lock.to_top()
        self._watch_idle()
        self.widget = self.page.show()

    # -- the idle lock ----------------------------------------------------------------------
    def _opened(self) -> None:
        """The practice was opened, locked, changed or unlocked: the clients and the key again."""
        self.refresh()
        if self.on_hub:
            self.hub.show_key()

    def lock_if_idle(self, now: float | None = None) -> bool:
        """Locked clients' copies opened in this visit and left alone (no press, no choice)
        for longer than the practice's idle time are locked again: this kernel forgets their
        key, what they said goes from the page, and the lock section asks first. True when it did."""
        now = time.monotonic() if now is None else now
        if now - self.page.touched_at < folder_idle_minutes(self.practice) * 60:
            return False
        key_open = self.on_hub and practicekey.key_open(self.home)
        if not key_open and (not self.practice.path.is_dir() or not lock_headers_open(self.practice)):
            return False
        self.lock.lock_again()
        if key_open:
            practicekey.forget_key()
        self.review_box.children = []
        self._opened()
        return True

    def _watch_idle(self) -> None:
        """Checked every 30 s while the page's kernel runs (a Voilà kernel's event loop); a
        page built outside a kernel (tests) is checked by calling `lock_if_idle`."""
        try:
            from tornado.ioloop import IOLoop, PeriodicCallback

            if IOLoop.current(instance=False) is None:
                return
        except (ImportError, RuntimeError):
            return
        self._idle_watch = PeriodicCallback(
            FolderPage.guard(self.page, self.lock_if_idle), 30_000
        )  # no touch
        self._idle_watch.start()

    def _server_order(self) -> None:
        """On a practice server the page opens on the therapist's daily work: the clients,
        the inbox and the review with its notes; then inviting and the key (first of all
        while there is no key yet: nothing can be sent to a therapist without one); the file
        hand-over, for clients not on the server, last."""
        hub = self.hub
        daily = [self.clients_box, hub.inbox_box, self.review_section]
        setup = [hub.invite_box, hub.key_box]
        files = [self.prepare_box, self.import_box]
        if key_facts(self.home) is None:
            order = [hub.key_box, *daily, hub.invite_box, *files]
        else:
            order = [*daily, *setup, *files]
        self.page.body = order + [box for box in self.page.body if box not in order]

    def _files_order(self) -> None:
        """Off the server, once there are clients, the caseload and the review come first
        (the daily work); preparing a new client and bringing in files follow."""
        daily = [self.clients_box, self.review_section]
        self.page.body = daily + [box for box in self.page.body if box not in daily]

    # -- prepare ----------------------------------------------------------------------------
    def _prepare_section(self) -> None:
        t = self.t
        self.alias = text_line(t["alias_file"] if self.on_hub else t["alias"])
        self.welcome = text_area(t["welcome"], rows=3)
        self.stages_on_picker = StagePicker(f"<p><strong>{esc(t['stages_on'])}</strong></p>", checked=True)
        self.stages_on = self.stages_on_picker.boxes
        self.prompts = {
            s: text_area(t["prompts"].format(stage=self.stage_names[str(s)]), rows=2)
            for s in registry.method_numbers()
        }
        self.prepare_button = button(t["prepare_button"], primary=True)
        self.prepared = plain.HTML()
        self.page.on_click(self.prepare_button, self.prepare, near=self.prepared)
        self.prepare_box = self.page.section(
            t["prepare_title"],
            esc(t["prepare_help"]),
            self.alias,
            self.welcome,
            self.stages_on_picker.widget,
            *self.prompts.values(),
            self.prepare_button,
            self.prepared,
        )

    def prepare(self) -> bytes:
        prompts = {s: box.value.splitlines() for s, box in self.prompts.items()}
        on = [s for s, box in self.stages_on.items() if box.value]
        made = transport.FILES.deliver_start(
            self.practice, self.alias.value, welcome=self.welcome.value, stages=on, prompts=prompts
        )
        name = self.alias.value.strip()
        self.prepared.value = (
            f'<p role="status">{esc(self.t["prepared"].format(name=name))} {self._offer(made)}</p>'
        )
        self.alias.value = self.welcome.value = ""
        for box in self.prompts.values():
            box.value = ""
        self.refresh(select=made.slug)
        return made.data

    @staticmethod
    def _offer(made: transport.Handed) -> str:
        """The download link of a file made to hand over ("Download sam-start-….rwshare")."""
        label = words()["sharing"]["download"].format(file=made.file_name)
        return download_link(made.data, made.file_name, label)

    # -- import ----------------------------------------------------------------------------
    def _import_section(self) -> None:
        t = self.t
        self.upload = file_picker()
        self.upload.description = t["import_choose"]
        self.passphrase = passphrase_box(t["import_passphrase"])
        self.import_button, self.import_status = action(
            self.page, t["import_button"], self.bring_in, primary=True
        )
        self.import_working = Working()
        self.import_box = self.page.section(
            t["import_title"],
            esc(t["import_help"]),
            self.upload,
            self.upload.chosen,
            self.passphrase,
            self.import_button,
            self.import_working.widget,
            self.import_status,
        )

    def bring_in(self) -> exchange.ImportResult:
        data = uploaded(self.upload, words()["sharing"]["need_file"])
        self.import_working.step(0.3, words()["sharing"]["working"])
        try:
            [result] = transport.FILES.collect(self.practice, data, passphrase=self.passphrase.value or None)
        except NeedsPassphrase:
            self.import_working.done()
            raise ShareError(words()["sharing"]["need_passphrase"]) from None
        except BaseException:
            self.import_working.done()
            raise
        self.upload.value = ()
        self.passphrase.value = ""
        stages = ", ".join(f"{s} ({self.stage_names[str(s)]})" for s in result.stages)
        self.refresh(select=result.slug)
        self.import_working.done()
        self.page.say(
            esc(
                self.t["imported"].format(
                    name=result.alias, added=result.added, known=result.known, stages=stages
                )
            )
        )
        return result

    # -- clients and review ------------------------------------------------------------------
    def _review_section(self) -> None:
        t = self.t
        self.choose = dropdown(t["review_label"], [])
        self.review_button = button(t["review_button"])
        self.review_status = self.page.status_line()
        self.page.on_click(
            self.review_button, lambda: self.review(self.choose.value), near=self.review_status
        )
        self.review_box = plain.VBox()
        self.review_section = self.page.section(
            t["review_title"],
            "",
            plain.HBox([self.choose, self.review_button]),
            self.review_status,
            self.review_box,
        )

    def refresh(self, select: str | None = None) -> None:
        """Re-read the clients; review `select` (or the one chosen before)."""
        t = self.t
        from ..caseload import caseload  # reads feelings with pandas: only once the page is built

        cases = caseload(self.practice)  # who needs attention first (workbook/caseload.py)
        found = [case.client for case in cases]
        names = labels((c.alias, c.slug) for c in found)  # look-alike names are told apart
        if not found:
            self.clients_html.value = f'<p class="wb-empty">{esc(t["clients_none"])}</p>'
        else:
            rows = "".join(self._case_row(case, names[case.client.slug]) for case in cases)
            heads = ("col_client", "col_attention", "col_last", "col_shared", "col_done", "col_notes")
            self.clients_html.value = (
                f'<p class="wb-hint">{esc(t["caseload_intro"])}</p>'
                '<table class="wb-table wb-clients"><thead><tr>'
                + "".join(f"<th scope='col'>{esc(t[k])}</th>" for k in heads)
                + f"</tr></thead><tbody>{rows}</tbody></table>"
            )
        options = [(names[c.slug], c.slug) for c in found if not c.problem]
        current = select or self.choose.value
        self.choose.options = options
        self.review_button.disabled = not options
        if options:
            self.choose.value = current if any(slug == current for _a, slug in options) else options[0][1]
        if select:
            self.review(select)
        elif not options:
            self.review_box.children = [plain.HTML(f'<p class="wb-empty">{esc(t["review_none"])}</p>')]

    def _case_row(self, case, name: str) -> str:
        """One client's row: care first (with the crisis line beside it), then how their
        feelings moved since the share before the latest, then the rest."""
        t, c = self.t, case.client
        if c.problem:
            return f"<tr><th scope='row'>{esc(name)}</th><td colspan='5'>{esc(c.problem)}</td></tr>"
        attention = []
        if case.care:
            said = t["care_yes" if case.care == "yes" else "care_unsure"].format(
                date=when(case.care_on, time=False)
            )
            found = content.resources()["crisis"]  # the words every page's foot says, with its line
            crisis = f"<strong>{esc(found['heading'])}</strong> {content.crisis_line_html(found)}"
            attention.append(
                f'<p class="wb-care"><strong>{esc(said)}</strong></p><p class="wb-hint">{crisis}</p>'
            )
        if case.moved:
            attention.append(f"<p>{esc(t[f'moved_{case.moved}'])}</p>")
        row_class = ' class="wb-needs-care"' if case.care else ""
        cells = (
            ("col_attention", "".join(attention) or esc(t["never"])),
            ("col_last", esc(when(c.last_activity) or t["never"])),
            ("col_shared", esc(self._stage_list(c.shared_stages))),
            ("col_done", esc(self._stage_list(c.stages_done))),
            ("col_notes", str(c.notes)),
        )
        # each cell names its column, so a phone can show a row as a card (widgets.css)
        tds = "".join(f'<td data-label="{esc(t[key])}">{value}</td>' for key, value in cells)
        return f"<tr{row_class}><th scope='row'>{esc(name)}</th>{tds}</tr>"

    def _client_link(self, stage: int, slug: str, label: str) -> str:
        """A link to the read-only view of one stage of a client's copy (in the app, in Voilà)."""
        return page_link(stage, slug, label, param="client", links=self.page.session.links)

    def _stage_list(self, stages) -> str:
        return ", ".join(str(s) for s in stages) or self.t["none"]

    def review(self, slug: str | None) -> None:
        """Show what the client `slug` shared, with notes per stage, the notes file and the report."""
        t = self.t
        if not slug:
            return
        wb = self.practice.open(check_slug(slug))
        with wb:
            name = wb.name
            shared = list(wb.meta("shared_stages") or [])
            links = " · ".join(self._client_link(s, slug, self.stage_names[str(s)]) for s in shared)
            journey_page = registry.by_key("journey")
            journey = (
                f" · {self._client_link(journey_page.number, slug, journey_page.title)}" if shared else ""
            )
            parts: list[w.Widget] = [
                plain.HTML(
                    f"<p>{esc(t['review_intro'].format(name=name))}</p>"
                    + (f"<p>{esc(t['open_pages'].format(name=name))} {links}{journey}</p>" if shared else "")
                )
            ]
            # notes on the whole workbook (stage 0) first, with a box for another one
            parts.append(self._stage_review(slug, name, 0, report.whole_workbook_notes(wb)))
            for stage in shared:
                parts.append(self._stage_review(slug, name, stage, report.build(wb, [stage], title=False)))
            if self.on_hub:
                parts.append(hubshare.send_notes_part(self.page, self.practice, self.transport, slug, name))
            parts.append(self._return_part(slug, name))
            parts.append(self._report_part(slug, name))
        self.review_box.children = parts

    def _stage_review(self, slug, name, stage, blocks) -> w.Widget:
        t = self.t
        if stage == 0:
            label = t["note_label_whole"].format(name=name)
            blocks = [report.Block("h2", t["whole_title"]), *blocks]
        else:
            label = t["note_label"].format(name=name, stage=self.stage_names[str(stage)])
        body = report.render_body(blocks, shift=1)
        # sent as it is typed: the typing keeps the page open (the idle lock counts it), and
        # what is typed is in the kernel, kept in _note_boxes if the page locks meanwhile
        note = stacked(w.Textarea(description=label, rows=3, continuous_update=True))
        note.observe(self.page.touch, "value")
        # a rebuilt review (after another note is saved) keeps what was typed in this box,
        # and the "saved" line beside its button
        previous = self._note_boxes.get((slug, stage))
        if previous is not None:
            note.value = previous.value
        self._note_boxes[(slug, stage)] = note
        status = self._note_status.setdefault((slug, stage), self.page.status_line())
        add = button(t["note_button"], primary=True)

        def save():
            with self.practice.open(slug) as wb:
                exchange.annotate(wb, stage, note.value)
            note.value = ""
            self.page.saved(t["note_saved"])
            self.refresh(select=slug)

        self.page.on_click(add, save, near=status)
        box = plain.VBox(
            [plain.HTML(f'{REVIEW_CSS}<div class="wb-review-stage">{body}</div>'), note, add, status]
        )
        box.add_class("wb-review")
        return box

    def _return_part(self, slug, name) -> w.Widget:
        t = self.t
        out = plain.HTML()
        passphrase = NewPassphrase()
        passphrase.first.description = t["return_passphrase"]
        passphrase.again.description = t["return_passphrase_again"]
        make = button(t["return_button"], primary=True)

        def run():
            chosen = passphrase.value()
            with self.practice.open(slug) as wb:
                made = transport.FILES.send_notes(wb, passphrase=chosen)
            passphrase.clear()
            out.value = f'<p role="status">{esc(t["return_ready"].format(name=name))} {self._offer(made)}</p>'

        self.page.on_click(make, run, near=out)
        return self._part("return", name, *passphrase.widgets, make, out)

    def _part(self, key: str, name: str, *children: w.Widget) -> w.Widget:
        """One part of a client's review that makes a file to offer: its heading, what it is
        for (naming the client), then its fields, button and result."""
        t = self.t
        head = f"<h3>{esc(t[f'{key}_title'])}</h3><p>{esc(t[f'{key}_help'].format(name=name))}</p>"
        return plain.VBox([plain.HTML(head), *children])

    def _report_part(self, slug, name) -> w.Widget:
        t = self.t
        out = plain.HTML()
        working = Working()
        make = button(t["report_button"])

        def run():
            working.step(0.1, words()["sharing"]["working"])
            with self.practice.open(slug) as wb:
                stages = wb.meta("shared_stages") or []
                blocks = report.build(wb, stages)
                working.step(0.4)
                page = report.render_html(blocks).encode("utf-8")
                pdf = report.render_pdf(blocks)
                working.step(0.8)
                tables = report.report_zip(wb, stages)
            base = exchange.file_name(name, "report").removesuffix(".rwshare")
            working.done()
            out.value = (
                f'<p role="status">{esc(t["report_ready"])}</p><ul>'
                f"<li>{download_link(page, base + '.html', t['report_html'], mime='text/html')}</li>"
                f"<li>{download_link(pdf, base + '.pdf', t['report_pdf'], mime='application/pdf')}</li>"
                f"<li>{download_link(tables, base + '.zip', t['report_csv'], mime='application/zip')}</li></ul>"
            )

        self.page.on_click(make, run, near=out)
        return self._part("report", name, make, working.widget, out)


def show(*, home=None):
    """The practice page widget (used by notebooks/07_practice.ipynb)."""
    return Practice(home=home).widget
