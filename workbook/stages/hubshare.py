"""The app's practice-server parts: shown only when the work travels by the server
(`workbook.transport.chosen()` is a `Hub`, or a stand-in for one).

- `ClientHub(page, server, on_workbook=...)` — on the start page: join a therapist with the code
  they handed over, send chosen stages to them, bring in the notes they sent back.
- `TherapistHub(page, practice, server, on_change=...)` — on the practice page: the practice key
  (its state on every visit: fingerprint, backed up or not; made once, with a backup offered
  at once, and restore), invite a client (a code to hand over in person) and withdraw a code
  nobody has used yet (a code that gets used leaves the list within `WATCH_SECONDS`), the
  inbox. `send_notes_part(...)` is the "send notes" box per client.

Outside a hub none of this is built, and file hand-over stays exactly as it is. All the
sealing and talking to the service is `workbook.hub.client`'s; this module only asks the
transport it is given (`workbook.transport.Hub`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections.abc import Callable

import ipywidgets as w

from .. import content, exchange, formats
from ..hub.wire import HubError
from ..model import InvalidEntry
from ..store import Home, WorkbookError, check_slug
from ..transport import Hub
from . import plain
from .autosave import kernel_loop
from .forms import StagePicker, action, button, stacked, text_area, text_line
from .handover import (
    DraftCheck,
    NewPassphrase,
    download_link,
    file_picker,
    heading,
    passphrase_box,
    uploaded,
)
from .markup import esc
from .page import Page
from .practicekey import BACKUP_FILE, backed_up, key_asked, key_facts, key_open, mark_backed_up

WATCH_SECONDS = 5  # how often the practice page asks whether a code it lists has been used
log = logging.getLogger("workbook")


def words() -> dict:
    return content.text("practice_server")


def chosen(boxes: dict[int, w.Checkbox]) -> list[int]:
    return exchange.check_stages([s for s, box in boxes.items() if box.value is True])


def spoken(code: str) -> str:
    """The code as it is read aloud: each character on its own, groups apart."""
    return " — ".join(" ".join(group) for group in code.split("-"))


def _ended(invitation: dict) -> bool:
    """True when an invitation's time has run out (so it left the list by expiring)."""
    try:
        return dt.datetime.fromisoformat(str(invitation.get("expires_at"))) <= dt.datetime.now(dt.UTC)
    except (TypeError, ValueError):
        return False


class ClientHub:
    """The start page's 'you and your therapist, on this server' section."""

    def __init__(self, page: Page, server: Hub, *, on_workbook: Callable[[], None] | None = None):
        self.page = page
        self.server = server  # the practice server's transport (`workbook.transport.Hub`)
        self.on_workbook = on_workbook or (lambda: None)
        t = self.t = words()["client"]
        self.code = text_line(t["code_label"], placeholder=t["code_placeholder"])
        self.name = text_line(t["name_label"])
        self.join_button, self.join_status = action(page, t["join_button"], self.join, primary=True)
        self.picker = StagePicker(
            f"<h3>{esc(t['send_title'])}</h3><p>{esc(t['send_help'])}</p>"
            f"<p><strong>{esc(t['send_stages'])}</strong></p>",
            checked=False,
        )
        self.stages = self.picker.boxes
        self.drafts = DraftCheck()  # writing kept only as a draft is named before anything leaves
        self.send_button, self.send_status = action(page, t["send_button"], self.send, primary=True)
        self.notes_button, self.notes_status = action(page, t["notes_button"], self.receive)
        self.widget = page.section(
            t["title"],
            esc(t["intro"]),
            heading(t["join_title"], t["join_help"]),
            self.code,
            self.name,
            self.join_button,
            self.join_status,
            self.picker.widget,
            self.send_button,
            self.send_status,
            heading(t["notes_title"], t["notes_help"]),
            self.notes_button,
            self.notes_status,
        )
        self.widget.add_class("wb-hub-client")

    def _linked_workbook(self):
        wb = self.page.wb
        if wb is None:
            raise WorkbookError(content.text("sharing")["sharing"]["need_workbook"])
        if not self.server.linked(wb):
            raise InvalidEntry(self.t["not_linked"])
        return wb

    def join(self) -> None:
        code = (self.code.value or "").strip()
        if not code:
            raise InvalidEntry(self.t["need_code"])
        wb = self.server.receive_start(
            self.page.session.home, code, name=(self.name.value or "").strip() or None
        )
        slug, name = wb.path.stem, wb.name
        wb.close()
        self.code.value = self.name.value = ""
        self.page.switch(check_slug(slug))
        self.on_workbook()
        self.page.say(esc(self.t["joined"].format(name=name)))

    def send(self) -> None:
        wb = self._linked_workbook()
        stages = chosen(self.stages)
        self.drafts.check(wb, stages)
        self.server.send_share(wb, stages)
        for box in self.stages.values():
            box.value = False
        self.page.say(esc(self.t["sent"]))

    def receive(self) -> dict[str, int]:
        counts = self.server.receive_notes(self._linked_workbook())
        added = int(counts.get("added", 0))
        message = self.t["notes_one"] if added == 1 else self.t["notes_added"].format(n=added)
        self.page.say(esc(message if added else self.t["notes_none"]))
        self.on_workbook()
        return counts


class TherapistHub:
    """The practice page's key, invitation and inbox sections."""

    def __init__(self, page: Page, practice: Home, server: Hub, *, on_change: Callable[[str | None], None]):
        self.page = page
        self.practice = practice
        self.server = server  # the practice server's transport (`workbook.transport.Hub`)
        self.on_change = on_change  # refresh the practice page's client list (select a slug)
        t = self.t = words()["therapist"]
        self._key_section(t)
        self._invite_section(t)
        self._inbox_section(t)
        self.show_asks()

    def show_asks(self) -> None:
        """A key kept under a passphrase is asked for once per visit: its boxes show only until
        it has been opened in this kernel (the practice's passphrase may open it too)."""
        asks = key_asked(self._owner())
        for box in (self.backup_unlock, self.inbox_unlock):
            box.layout.display = None if asks else "none"

    # -- the key -------------------------------------------------------------------------------
    def _key_section(self, t: dict) -> None:
        # what the key is now: shown on every visit (fingerprint, locked, backed up or not)
        self.key_state = plain.HTML()
        self.key_state.add_class("wb-hub-key-state")
        self.key_passphrase = passphrase_box(t["key_passphrase"])
        self.key_button, self.key_status = action(self.page, t["key_button"], self.make_key, primary=True)
        self.make_box = plain.VBox([self.key_passphrase, self.key_button], layout=w.Layout())  # until a key
        # the backup is offered as soon as the key is made (hidden until then)
        self.backup_passphrase = NewPassphrase()
        self.backup_passphrase.first.description = t["backup_passphrase"]
        self.backup_passphrase.again.description = t["backup_again"]
        self.backup_unlock = passphrase_box(t["backup_unlock"])
        self.backup_button, self.backup_out = action(self.page, t["backup_button"], self.backup, primary=True)
        self.backup_box = plain.VBox(
            [
                heading(t["backup_title"], t["backup_help"]),
                *self.backup_passphrase.widgets,
                self.backup_unlock,
                self.backup_button,
                self.backup_out,
            ],
            layout=w.Layout(display="none"),
        )
        self.restore_upload = file_picker()
        self.restore_upload.accept = ".rwkey"
        self.restore_upload.description = t["restore_choose"]
        self.restore_passphrase = passphrase_box(t["restore_passphrase"])
        self.restore_button, self.restore_status = action(self.page, t["restore_button"], self.restore)
        self.key_box = self.page.section(
            t["keys_title"],
            esc(t["keys_help"]),
            self.key_state,
            self.make_box,
            self.key_status,
            self.backup_box,
            heading(t["restore_title"], t["restore_help"]),
            self.restore_upload,
            self.restore_upload.chosen,
            self.restore_passphrase,
            self.restore_button,
            self.restore_status,
        )
        self.key_box.add_class("wb-hub-keys")
        self.show_key()

    def show_key(self) -> dict | None:
        """Say what the key is now (made or not, its fingerprint, locked, backed up or when),
        and show the forms that fit: 'make' until there is a key, the backup once there is."""
        t = self.t
        facts = key_facts(self._owner())
        if facts is None:
            lines = [t["key_none"]]
        elif facts["fingerprint"] is None:
            lines = [content.text("hub")["errors"]["bad_key"]]
        else:
            lines = [t["key_have"].format(fingerprint=facts["fingerprint"])]
            if facts["locked"]:
                lines.append(t["key_locked"])
                if key_open(self._owner()):
                    lines.append(t["key_open"])
            when = backed_up(self._owner(), facts["fingerprint"])
            lines.append(t["key_backed_up"].format(day=formats.day(when)) if when else t["key_not_backed_up"])
        self.key_state.value = "".join(f"<p>{esc(line)}</p>" for line in lines)
        has_key = facts is not None and facts["fingerprint"] is not None
        self.make_box.layout.display = "none" if has_key else None
        self.backup_box.layout.display = None if has_key else "none"
        if hasattr(self, "inbox_unlock"):
            self.show_asks()
        return facts

    def make_key(self) -> str:
        fingerprint = self.server.ensure_keys(self.key_passphrase.value or None, home=self._owner())
        self.key_passphrase.value = ""
        self.page.say(esc(self.t["key_ready"].format(fingerprint=fingerprint)))
        self.show_key()
        self.backup_box.layout.display = None
        return fingerprint

    def backup(self) -> bytes:
        passphrase = self.backup_passphrase.value()
        if not passphrase:
            raise InvalidEntry(content.text("hub")["errors"]["no_passphrase"])
        data = self.server.key_backup(passphrase, unlock=self.backup_unlock.value or None, home=self._owner())
        self.backup_passphrase.clear()
        self.backup_unlock.value = ""
        self._backed_up()
        self.show_asks()
        self.page.say(
            f"{esc(self.t['backup_ready'])} "
            f"{download_link(data, BACKUP_FILE, self.t['backup_file'].format(file=BACKUP_FILE))}"
        )
        return data

    def restore(self) -> str:
        data = uploaded(self.restore_upload, self.t["need_backup"])
        fingerprint = self.server.key_restore(data, self.restore_passphrase.value or "", home=self._owner())
        self.restore_upload.value = ()
        self.restore_passphrase.value = ""
        self._backed_up()  # it came from a backup: that backup is one
        self.page.say(esc(self.t["restored"].format(fingerprint=fingerprint)))
        return fingerprint

    def _backed_up(self) -> None:
        facts = key_facts(self._owner())
        if facts and facts["fingerprint"]:
            mark_backed_up(self._owner(), facts["fingerprint"])
        self.show_key()

    def _owner(self) -> Home:
        """The therapist's own workbook home (the practice folder is inside it)."""
        return self.page.session.home

    # -- inviting --------------------------------------------------------------------------------
    def _invite_section(self, t: dict) -> None:
        self.invite_name = text_line(t["invite_name"])
        self.invite_welcome = stacked(text_area(t["invite_welcome"], rows=3))
        self.invite_picker = StagePicker(f"<p><strong>{esc(t['invite_stages'])}</strong></p>", checked=True)
        self.invite_stages = self.invite_picker.boxes
        self.invite_button, self.invite_out = action(self.page, t["invite_button"], self.invite, primary=True)
        # the codes handed out and not used yet, each with its own "withdraw" button
        self.open_list = plain.VBox()
        self.open_list.add_class("wb-hub-open")
        self.withdraw_status = self.page.status_line()
        self._listed: dict[str, dict] = {}  # id -> each code shown as not used yet
        self.invite_box = self.page.section(
            t["invite_title"],
            esc(t["invite_help"]),
            self.invite_name,
            self.invite_welcome,
            self.invite_picker.widget,
            self.invite_button,
            self.invite_out,
            heading(t["open_title"], t["open_help"]),
            self.open_list,
            self.withdraw_status,
        )
        self.show_open()
        self._watch()

    def invite(self) -> str:
        name = (self.invite_name.value or "").strip()
        stages = chosen(self.invite_stages)
        welcome = self.invite_welcome.value or ""
        code = self.server.deliver_start(self.practice, name, stages=stages, welcome=welcome).code
        self.invite_name.value = self.invite_welcome.value = ""
        self.page.say(
            f"{esc(self.t['invite_code'].format(name=name))}"
            f'<p class="wb-hub-code"><code>{esc(code)}</code></p>'
            f"<p>{esc(self.t['invite_spoken'].format(spoken=spoken(code)))}</p>"
        )
        self.on_change(None)
        self.show_open()
        return code

    def show_open(self) -> list[dict]:
        """List the codes nobody has used yet (made when, working until when), each with a
        button to withdraw it; the exchange's refusal, if it can't be asked, in their place."""
        try:
            found = self.server.open_invitations(self.practice)
        except HubError as exc:
            self.open_list.children = [plain.HTML(f"<p>{esc(str(exc))}</p>")]
            return []
        self._show_open(found)
        return found

    def _show_open(self, found: list[dict]) -> None:
        rows = [self._open_row(invitation) for invitation in found]
        self.open_list.children = rows or [plain.HTML(f"<p>{esc(self.t['open_none'])}</p>")]
        self._listed = {i["id"]: i for i in found}

    def check_codes(self, found: list[dict] | None = None) -> list[str]:
        """Ask again which codes are not used yet (or take `found`, asked elsewhere); a code
        listed that has been used since leaves the list, and the page says who joined.
        Returns the names of those who joined. Nothing changes if the exchange can't say."""
        if found is None:
            try:
                found = self.server.open_invitations(self.practice)
            except HubError:
                return []
        still = {i["id"] for i in found}
        if still == set(self._listed):
            return []
        gone = [i for key, i in self._listed.items() if key not in still]
        used = [i["name"] or self.t["open_unnamed"] for i in gone if not _ended(i)]
        ended = [i["name"] or self.t["open_unnamed"] for i in gone if _ended(i)]
        self._show_open(found)
        said = [self.t["open_used"].format(name=n) for n in used]
        said += [self.t["open_expired"].format(name=n) for n in ended]
        if said:
            self.withdraw_status.value = f'<div role="status" class="wb-saved">{esc(" ".join(said))}</div>'
            self.on_change(None)
        return used

    def _watch(self) -> None:
        """In a kernel: while the page is open, ask every `WATCH_SECONDS` whether a code it
        lists has been used (the asking in a thread, the page changed on the kernel's loop)."""
        loop = kernel_loop()
        if loop is None:
            return  # tests and scripts call check_codes() themselves

        async def watch() -> None:
            while True:
                await asyncio.sleep(WATCH_SECONDS)
                if not self._listed:
                    continue  # nothing waiting to be used: nothing to ask
                try:
                    found = await loop.run_in_executor(None, self.server.open_invitations, self.practice)
                    self.check_codes(found)
                except HubError:
                    continue
                except Exception:  # never a traceback on the page; the log says what happened
                    log.exception("practice page: asking which codes are still open")

        self._watcher = loop.create_task(watch())

    def _open_row(self, invitation: dict) -> w.Widget:
        name = invitation["name"] or self.t["open_unnamed"]
        made, until = (formats.day(invitation[key]) for key in ("created_at", "expires_at"))
        withdraw = button(self.t["withdraw_button"])
        withdraw.tooltip = self.t["withdraw_tooltip"].format(name=name)
        self.page.on_click(
            withdraw, functools.partial(self.withdraw, invitation["id"], name), near=self.withdraw_status
        )
        row = plain.HBox(
            [plain.HTML(esc(self.t["open_item"].format(name=name, made=made, until=until))), withdraw]
        )
        row.add_class("wb-hub-open-item")
        return row

    def withdraw(self, invitation: str, name: str) -> None:
        """Take a code back; the list is shown again either way (it may have just been used)."""
        try:
            self.server.withdraw(invitation)
        finally:
            self.show_open()
        self.page.say(esc(self.t["withdrawn"].format(name=name)))

    # -- the inbox ------------------------------------------------------------------------------
    def _inbox_section(self, t: dict) -> None:
        self.inbox_unlock = passphrase_box(t["inbox_unlock"])
        self.inbox_button, self.inbox_status = action(
            self.page, t["inbox_button"], self.collect, primary=True
        )
        self.inbox_box = self.page.section(
            t["inbox_title"], esc(t["inbox_help"]), self.inbox_unlock, self.inbox_button, self.inbox_status
        )

    def collect(self) -> list[exchange.ImportResult]:
        """Bring in every waiting envelope; what came in is listed even when some were refused."""
        problem = None
        try:
            results = self.server.collect(self.practice, passphrase=self.inbox_unlock.value or None)
        except HubError as exc:
            results, problem = list(exc.results or []), str(exc)
        finally:
            self.inbox_unlock.value = ""
        self.show_key()
        self.show_asks()
        names = content.text("sharing")["stages"]
        lines = [
            self.t["inbox_item"].format(
                name=r.alias,
                added=r.added,
                known=r.known,
                stages=", ".join(f"{s} ({names[str(s)]})" for s in r.stages),
            )
            for r in results
        ]
        listed = "".join(f"<li>{esc(line)}</li>" for line in lines)
        self.page.say(f"<ul>{listed}</ul>" if lines else esc(self.t["inbox_none"]))
        if results:
            self.on_change(results[-1].slug)
        if problem:
            self.page.problem(problem)
        self.check_codes()  # a client who sent something has used their code
        return results


def send_notes_part(page: Page, practice: Home, server: Hub, slug: str, name: str) -> w.Widget:
    """The 'send your notes' box for one client copy (on the practice page's review)."""
    t = words()["therapist"]
    # the notes are sealed as the therapist's: with their key, which may be kept under a passphrase
    unlock = passphrase_box(t["send_notes_unlock"].format(name=name))
    unlock.layout.display = None if key_asked(page.session.home) else "none"  # once per visit
    send = button(t["send_notes_button"].format(name=name), primary=True)
    out = page.status_line()

    def run():
        with practice.open(check_slug(slug)) as wb:
            server.send_notes(wb, passphrase=unlock.value or None)
        unlock.value, unlock.layout.display = "", "none"
        page.say(esc(t["notes_sent"].format(name=name)))

    page.on_click(send, run, near=out)
    box = plain.VBox(
        [
            heading(t["send_notes_title"], t["send_notes_help"].format(name=name)),
            unlock,
            send,
            out,
        ]
    )
    box.add_class("wb-hub-notes")
    return box
