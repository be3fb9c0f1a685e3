"""What the exchange service does and refuses, over its SQLite file (`Exchange`), and what
one person may send and keep waiting (`Limits`). The HTTP handlers only translate to it
(workbook/hub/handlers.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .. import share
from . import crypto
from .database import Store, stamp, utc_now
from .refusal import MiB, Refused, mib

if TYPE_CHECKING:
    from .identity import Identify

KINDS = ("share", "notes")


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one person may send and keep waiting (all enforced per sender)."""

    envelope_bytes: int = share.MAX_FILE + crypto.MIN_ENVELOPE  # a share file at its largest, sealed
    start_bytes: int = 1 * MiB  # a sealed start file (a welcome note and questions)
    waiting: int = 50  # envelopes sent and not yet received
    waiting_bytes: int = 64 * MiB  # their size together (so one person can't fill the disk)
    per_day: int = 200  # envelopes sent in the last 24 hours
    open_invitations: int = 100  # invitations made and not yet redeemed or expired
    invitation_days: int = 14  # how long a code can be used
    json_bytes: int = 64 * 1024  # any other request body (a key, a MAC): an invitation adds its start file
    uploads_at_once: int = 4  # bodies one person may be sending at the same moment
    wrong_codes: int = 20  # codes one person may get wrong in an hour (a code has 55 random bits)


class Exchange:
    """The service's rules, over its Store; handlers only translate HTTP."""

    def __init__(
        self,
        db: str | os.PathLike,
        *,
        identify: Identify,
        limits: Limits | None = None,
        audit_path: str | os.PathLike | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
    ):
        self.store = Store(db)
        self.identify = identify
        self.limits = limits or Limits()
        self.clock = clock
        self.audit_path = Path(audit_path or f"{self.store.path}.audit.log")
        fd = os.open(self.audit_path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
        self._audit = os.fdopen(fd, "a", encoding="utf-8", buffering=1)
        self._uploading: dict[str, int] = {}  # bodies being sent now, per person
        self._wrong_codes: dict[str, list[dt.datetime]] = {}  # when each person got a code wrong

    def close(self) -> None:
        self._audit.close()
        self.store.close()

    def start_upload(self, who: str) -> bool:
        """Count one more body `who` is sending; False (and nothing counted) at the limit."""
        if self._uploading.get(who, 0) >= self.limits.uploads_at_once:
            return False
        self._uploading[who] = self._uploading.get(who, 0) + 1
        return True

    def end_upload(self, who: str) -> None:
        left = self._uploading.get(who, 0) - 1
        if left > 0:
            self._uploading[who] = left
        else:
            self._uploading.pop(who, None)

    def audit(self, **fields) -> None:
        """One line per request: who, what, when, size, status (never content)."""
        line = {"at": stamp(self.clock()), **fields}
        self._audit.write(json.dumps(line, ensure_ascii=False) + "\n")

    # keys and invitations
    def publish_key(self, owner: str, public: bytes) -> str:
        fingerprint = crypto.fingerprint(public)
        with self.store.write() as db:
            db.execute(
                "INSERT INTO keys (owner, public_key, fingerprint, updated_at) VALUES (:owner, :key, :fp, :at)"
                " ON CONFLICT(owner) DO UPDATE SET public_key = :key, fingerprint = :fp, updated_at = :at",
                {"owner": owner, "key": public, "fp": fingerprint, "at": stamp(self.clock())},
            )
        return fingerprint

    def invite(
        self,
        therapist: str,
        invitation: str,
        public: bytes,
        start: bytes,
        verifier: bytes,
        *,
        key_mac: str | None = None,
    ) -> dict:
        """Keep an invitation: the therapist's key, the sealed start file, the verifier
        (`crypto.redeem_verifier` of the code's secret) that redeeming is checked with, and the
        MAC over the key (`crypto.key_mac`) the client checks it with."""
        if len(start) > self.limits.start_bytes:
            raise Refused(413, "too_large", size=mib(len(start)), limit=mib(self.limits.start_bytes))
        published = self.store.one("SELECT public_key FROM keys WHERE owner = :owner", owner=therapist)
        if published is None or published["public_key"] != public:
            raise Refused(409, "no_key")
        now = self.clock()
        open_now = self.store.one(
            "SELECT count(*) AS n FROM invitations WHERE therapist = :t AND client IS NULL"
            " AND withdrawn_at IS NULL AND expires_at > :now",
            t=therapist,
            now=stamp(now),
        )["n"]
        _within(open_now, self.limits.open_invitations, "too_many_invitations")
        expires = now + dt.timedelta(days=self.limits.invitation_days)
        self._insert(
            "invitations",
            {
                "id": invitation,
                "therapist": therapist,
                "therapist_key": public,
                "start": start,
                "verifier": verifier,
                "key_mac": key_mac,
                "created_at": stamp(now),
                "expires_at": stamp(expires),
            },
            taken="duplicate",
        )
        return {"id": invitation, "expires_at": stamp(expires)}

    def invitations_of(self, therapist: str) -> list[dict]:
        rows = self.store.all(
            "SELECT id, created_at, expires_at, client, redeemed_at, withdrawn_at FROM invitations"
            " WHERE therapist = :t ORDER BY created_at",
            t=therapist,
        )
        return [dict(row) for row in rows]

    def invitation_for(self, therapist: str, invitation: str) -> dict:
        row = self.store.one(
            "SELECT id, therapist, created_at, expires_at, client, client_key, proof, redeemed_at, withdrawn_at"
            " FROM invitations WHERE id = :id",
            id=invitation,
        )
        if row is None:
            raise Refused(404, "no_invitation")
        if row["therapist"] != therapist:
            raise Refused(403, "not_yours")
        found = dict(row)
        found["client_key"] = crypto.b64(row["client_key"]) if row["client_key"] else None
        return found

    def withdraw(self, therapist: str, invitation: str) -> dict:
        """Take back an invitation nobody has used: its code no longer works and its sealed start
        file is dropped. One already used can't be (the client stays linked); asking twice is fine."""
        with self.store.write() as db:
            row = db.execute(
                "SELECT therapist, client, withdrawn_at FROM invitations WHERE id = :id", {"id": invitation}
            ).fetchone()
            if row is None:
                raise Refused(404, "no_invitation")
            if row["therapist"] != therapist:
                raise Refused(403, "not_your_invitation")
            if row["client"] is not None:
                raise Refused(409, "already_redeemed")
            at = row["withdrawn_at"] or stamp(self.clock())
            db.execute(
                "UPDATE invitations SET withdrawn_at = :at, start = x'' WHERE id = :id",
                {"at": at, "id": invitation},
            )
        return {"id": invitation, "withdrawn_at": at}

    def _guessing(self, client: str, *, wrong: bool = False) -> None:
        """Refused(429) once `client` got `Limits.wrong_codes` codes wrong in the last hour
        (before their code is even looked at: a right one waits too); `wrong` counts one more.
        Kept in memory: a restart forgets, which costs a guesser nothing worth having."""
        now = self.clock()
        recent = [at for at in self._wrong_codes.get(client, []) if now - at < dt.timedelta(hours=1)]
        if wrong:
            recent.append(now)
        if recent:
            self._wrong_codes[client] = recent
        else:
            self._wrong_codes.pop(client, None)
        if not wrong and len(recent) >= self.limits.wrong_codes:
            raise Refused(429, "too_many_tries")

    def _usable(self, row, client: str, invitation: str, public: bytes, mac: str, now: str) -> None:
        """Refused unless `client`, proving the code's secret with `mac`, may use `row` now."""
        self._guessing(client)
        if row is None:
            self._guessing(client, wrong=True)
            raise Refused(404, "no_invitation")
        if row["therapist"] == client:
            raise Refused(403, "own_invitation")
        if row["verifier"] is None:
            raise Refused(410, "old_code")  # made before redeeming needed the secret
        if not crypto.check_redeem_mac(bytes(row["verifier"]), invitation, public, mac):
            self._guessing(client, wrong=True)
            raise Refused(403, "wrong_code")
        if row["client"] is not None:
            if (row["client"], bytes(row["client_key"])) != (client, public):
                raise Refused(409, "used")
        elif row["withdrawn_at"] is not None:
            raise Refused(410, "withdrawn")
        elif row["expires_at"] <= now:
            raise Refused(410, "expired")

    def look(self, client: str, invitation: str, public: bytes, mac: str) -> dict:
        """The therapist's key for an invitation, to the holder of its code, without using it."""
        row = self.store.one("SELECT * FROM invitations WHERE id = :id", id=invitation)
        self._usable(row, client, invitation, public, mac, stamp(self.clock()))
        return {
            "id": invitation,
            "therapist": row["therapist"],
            "therapist_key": crypto.b64(row["therapist_key"]),
            **_key_mac(row),
        }

    def redeem(self, client: str, invitation: str, public: bytes, proof: str, mac: str) -> dict:
        """Link `client` to the invitation's therapist; one use, and only with a `mac` that
        proves the code's secret (the same person, key and proof may ask again, so a reply
        lost on the way doesn't use a code up)."""
        now = stamp(self.clock())
        with self.store.write() as db:
            row = db.execute("SELECT * FROM invitations WHERE id = :id", {"id": invitation}).fetchone()
            self._usable(row, client, invitation, public, mac, now)
            if row["client"] is not None:
                if row["proof"] != proof:
                    raise Refused(409, "used")
            else:
                db.execute(
                    "UPDATE invitations SET client = :client, client_key = :key, proof = :proof,"
                    " redeemed_at = :at WHERE id = :id AND client IS NULL",
                    {"client": client, "key": public, "proof": proof, "at": now, "id": invitation},
                )
        return {
            "id": invitation,
            "therapist": row["therapist"],
            "therapist_key": crypto.b64(row["therapist_key"]),
            **_key_mac(row),
            "start": crypto.b64(row["start"]),
        }

    # envelopes
    def send(self, sender: str, envelope: str, *, link: str, kind: str, to: str, data: bytes) -> dict:
        limits = self.limits
        if len(data) > limits.envelope_bytes:
            raise Refused(413, "too_large", size=mib(len(data)), limit=mib(limits.envelope_bytes))
        row = self.store.one("SELECT * FROM invitations WHERE id = :id", id=link)
        if row is None or row["client"] is None:
            raise Refused(403, "not_linked")
        # a share goes from the linked client to their therapist; notes the other way
        if kind == "share":
            pair, key = (row["client"], row["therapist"]), row["therapist_key"]
        else:
            pair, key = (row["therapist"], row["client"]), row["client_key"]
        if (sender, to) != pair:
            raise Refused(403, "not_linked")
        try:
            named = crypto.envelope_fingerprint(data)
        except crypto.CryptoError:
            raise Refused(400, "bad_request", what="not a sealed envelope") from None
        if named != crypto.fingerprint_bytes(key):
            raise Refused(403, "wrong_recipient")
        now = self.clock()
        if self.store.one("SELECT 1 FROM envelopes WHERE id = :id", id=envelope):
            raise Refused(409, "replayed")
        waiting = self.store.one(
            "SELECT count(*) AS n, coalesce(sum(size), 0) AS size FROM envelopes"
            " WHERE sender = :s AND received_at IS NULL",
            s=sender,
        )
        _within(waiting["n"], limits.waiting, "too_many_waiting")
        if waiting["size"] + len(data) > limits.waiting_bytes:
            raise Refused(429, "too_much_waiting", size=mib(waiting["size"]))
        today = self.store.one(
            "SELECT count(*) AS n FROM envelopes WHERE sender = :s AND sent_at > :since",
            s=sender,
            since=stamp(now - dt.timedelta(days=1)),
        )["n"]
        _within(today, limits.per_day, "too_many_today")
        self._insert(
            "envelopes",
            {
                "id": envelope,
                "link": link,
                "kind": kind,
                "sender": sender,
                "recipient": to,
                "size": len(data),
                "data": data,
                "sent_at": stamp(now),
            },
            taken="replayed",
        )
        return {"id": envelope, "size": len(data)}

    def _insert(self, table: str, row: dict, *, taken: str) -> None:
        """Add `row` (named columns) to `table`; Refused(409, `taken`) if its id is there already."""
        columns = ", ".join(row)
        try:
            with self.store.write() as db:
                db.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + c for c in row)})", row)
        except sqlite3.IntegrityError:
            raise Refused(409, taken) from None

    def inbox(self, recipient: str, *, kind: str = "", waiting_only: bool = True) -> list[dict]:
        rows = self.store.all(
            "SELECT id, link, kind, sender, size, sent_at, received_at FROM envelopes"
            " WHERE recipient = :r AND (:kind = '' OR kind = :kind)"
            " AND (:waiting = 0 OR received_at IS NULL) ORDER BY sent_at",
            r=recipient,
            kind=kind,
            waiting=int(waiting_only),
        )
        return [dict(row) for row in rows]

    def _own(self, recipient: str, envelope: str) -> sqlite3.Row:
        row = self.store.one("SELECT recipient, data, received_at FROM envelopes WHERE id = :id", id=envelope)
        if row is None:
            raise Refused(404, "not_found")
        if row["recipient"] != recipient:
            raise Refused(403, "not_yours")
        return row

    def fetch(self, recipient: str, envelope: str) -> bytes:
        row = self._own(recipient, envelope)
        if row["received_at"] is not None:
            raise Refused(410, "not_found")
        return bytes(row["data"])

    def received(self, recipient: str, envelope: str) -> dict:
        """Mark an envelope received and drop its sealed bytes (its id stays, so it can't be replayed)."""
        self._own(recipient, envelope)
        at = stamp(self.clock())
        with self.store.write() as db:
            db.execute(
                "UPDATE envelopes SET received_at = coalesce(received_at, :at), data = x''"
                " WHERE id = :id AND recipient = :r",
                {"at": at, "id": envelope, "r": recipient},
            )
        return {"id": envelope, "received": True}


def _key_mac(row) -> dict:
    """The MAC the therapist left over their key (short codes), for the client to check it."""
    return {"key_mac": row["key_mac"]} if row["key_mac"] else {}


def _within(count: int, limit: int, key: str) -> None:
    """Refused(429, key) once a person's `count` of something has reached its `limit`."""
    if count >= limit:
        raise Refused(429, key, count=count)
