"""An in-memory practice server for the page tests: the verbs of `workbook.transport.Hub` (and
what only the server has: keys, codes, who is asking), moving today's share and notes files
in memory. `with transport.using(FakeExchange()):` puts it where the pages look."""

from __future__ import annotations

import datetime as dt

from workbook import content, exchange
from workbook.hub.wire import HubError
from workbook.transport import Handed

CODE = "ABCD-EFGH-JKLM"


class FakeExchange:
    """The contract's verbs, carrying today's share and notes files in memory."""

    by_server = True

    def __init__(self):
        self.start_file = None
        self.shares: list[bytes] = []
        self.notes: list[bytes] = []
        self.keys = None
        self.invitations: list[dict] = []  # as the service keeps them (what open_invitations sees)
        self.me = {"name": "ann", "therapist": False}  # who is asking

    # the client's side
    def receive_start(self, home, given, *, name=None):
        if given != CODE or self.start_file is None:
            raise HubError("There's no invitation with that code. Please check it with your therapist.")
        wb = exchange.start_from(home, self.start_file, name=name)
        wb.set_meta("hub", {"link": "inv-1"})
        for invitation in self.invitations:
            invitation["client"] = invitation["client"] or "client"  # the code is used up
        return wb

    def linked(self, wb):
        return bool(wb.meta("hub"))

    def whoami(self):
        return dict(self.me)

    def send_share(self, wb, stages, *, passphrase=None):
        self.shares.append(exchange.share_file(wb, stages))
        return Handed()

    def receive_notes(self, wb, given=None, *, passphrase=None):
        counts = {"added": 0}
        while self.notes:
            counts = exchange.open_return(wb, self.notes.pop(0))
        return counts

    # the therapist's side
    def ensure_keys(self, passphrase=None, *, home=None):
        self.keys = self.keys or "fp-1234"
        return self.keys

    def key_backup(self, passphrase, *, unlock=None, home=None):
        if self.keys is None:
            raise HubError("Your practice key hasn't been made yet.")
        return b"BACKUP:" + passphrase.encode()

    def key_restore(self, data, passphrase, *, home=None):
        if data != b"BACKUP:" + passphrase.encode():
            raise HubError("That passphrase doesn't open this key. Please check it and try again.")
        self.keys = "fp-1234"
        return self.keys

    def deliver_start(self, practice, name, *, stages=None, welcome="", prompts=None):
        _slug, self.start_file = exchange.prepare(practice, name, welcome_note=welcome, stages_on=stages)
        made = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)
        self.invitations.append(
            {
                "id": f"{len(self.invitations) + 1:032x}",
                "name": name,
                "created_at": made.isoformat(),
                "expires_at": (made + dt.timedelta(days=14)).isoformat(),
                "client": None,
                "withdrawn": False,
            }
        )
        return Handed(code=CODE)

    def open_invitations(self, practice):
        keys = ("id", "name", "created_at", "expires_at")
        return [
            {k: i[k] for k in keys} for i in self.invitations if i["client"] is None and not i["withdrawn"]
        ]

    def withdraw(self, invitation):
        [found] = [i for i in self.invitations if i["id"] == invitation]
        if found["client"] is not None:
            raise HubError(content.text("hub")["service"]["already_redeemed"], status=409)
        found["withdrawn"] = True

    def collect(self, practice, given=None, *, passphrase=None):
        results = [exchange.import_share(practice, data) for data in self.shares]
        self.shares.clear()
        return results

    def send_notes(self, client_wb, *, passphrase=None):
        self.notes.append(exchange.return_notes(client_wb))
        return Handed()
