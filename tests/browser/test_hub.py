"""The practice server end to end: JupyterHub on 127.0.0.1 with the exchange service, three
real system users (a therapist and two clients) logging in with Chromium.

The hub is started the way a practice starts it (`python -m workbook.hubsetup start` with
deploy/jupyterhub/jupyterhub_config.py), on free ports, with its state in a temporary folder.
The users are made with `useradd` and removed with `userdel -r` afterwards, even when the
test fails. It needs root (the hub starts each person's server as that person) and
configurable-http-proxy; in CI a missing one is a failure, never a skip.
"""

from __future__ import annotations

import json
import pwd
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from workbook.hub import crypto

from .helpers import here, screenshot, settled, wait_for_stage, wait_ready
from .hubkit import SPAWN_TIMEOUT_MS, _get, log_in, python_as, said
from .test_practice_in_app import SHOWN_WORDS

# a real hub with real Unix users; one xdist worker runs every such test in turn, as they share
# the hub's Unix groups (made and removed around each hub)
pytestmark = [pytest.mark.browser, pytest.mark.hub, pytest.mark.xdist_group("hub")]

MARKER = "We stopped talking after the move"
NOTE = "It took courage to write this down."


def test_a_client_and_their_therapist_on_the_practice_server(browser, hub, people, shared_python):
    therapist, client_a, client_b = people
    practice_page = "voila/render/07_practice.ipynb"

    # the therapist makes their key and invites client A; the code is handed over in person
    t_tab = log_in(browser, hub, therapist, practice_page)
    t_tab.get_by_role("button", name="Make my key").click()
    said(t_tab, "Your key is ready")
    t_tab.get_by_label("What you call this client").fill("Client A")
    t_tab.get_by_role("button", name="Make the invitation").click()
    code = t_tab.locator(".wb-hub-code code").inner_text(timeout=60_000).strip()
    screenshot(t_tab, "hub-therapist-invitation")

    # client A logs in: the app opens; A joins with the code and sends stages 1 and 2
    a_tab = log_in(browser, hub, client_a)
    assert "/voila/render/app.ipynb" in a_tab.url  # the app is the default page
    mine = a_tab.locator(".wb-hub-client")
    mine.get_by_label("Code").fill(code)
    mine.get_by_role("button", name="Join").click()
    said(a_tab, "linked with your therapist")
    script = (
        "from workbook.store import Home; h = Home(); wb = h.open(h.current()); "
        f"wb.put('rejection', {{'kind': 'friend', 'description': {MARKER!r}}}); "
        "wb.put('letter', {'text': 'A PRIVATE LETTER'}); wb.put('weighing', {'self_harm': 'yes'}); wb.close()"
    )
    subprocess.run(["su", "-", client_a.name, "-c", f"{shared_python} -c {json.dumps(script)}"], check=True)
    mine.get_by_label("1. Feel it").check()
    mine.get_by_label("2. Look at the reason").check()
    mine.get_by_label("5. Support").check()
    mine.get_by_role("button", name="Send to my therapist").click()
    said(a_tab, "Sent.")
    screenshot(a_tab, "hub-client-sent")

    # the hub and the service stop and start again: nothing is lost
    for tab in (t_tab, a_tab):
        tab.context.close()
    hub.stop()
    hub.start()

    # the therapist brings in what A sent, writes a note on stage 1 and sends it
    t_tab = log_in(browser, hub, therapist, practice_page)
    t_tab.get_by_role("button", name="Bring in what clients sent").click()
    said(t_tab, "Client A:")
    review = t_tab.locator(".wb-review-stage")
    review.nth(2).wait_for(timeout=60_000)
    text = " ".join(review.all_inner_texts())
    assert MARKER in text and "A PRIVATE LETTER" not in text
    # the caseload, at the top: A said yes to thoughts of hurting themselves, so A's row says
    # so first, with the crisis line to tap beside it (issue 24, item 4)
    care = t_tab.locator(".wb-clients tr.wb-needs-care")
    expect(care).to_have_count(1)
    expect(care.locator("th")).to_have_text("Client A")
    expect(care).to_contain_text("Said yes to thoughts of hurting themselves")
    assert care.locator("a[href^='tel:']").count() >= 1
    t_tab.get_by_label("Your note for Client A on Feel it").fill(NOTE)
    t_tab.locator(".wb-review").nth(1).get_by_role("button", name="Add the note").click()
    said(t_tab, "Saved your note")
    t_tab.locator(".wb-review-stage", has_text=NOTE).wait_for()  # the review is redrawn
    settled(t_tab)
    t_tab.get_by_role("button", name="Send notes to Client A").click()
    said(t_tab, "on their way to Client A")
    screenshot(t_tab, "hub-therapist-inbox")

    # each shared stage opens from the practice page, read-only, inside the app on the hub
    practice = t_tab.url
    for key, label in (("feel", "Feel it"), ("reason", "Look at the reason")):
        t_tab.goto(practice)
        wait_ready(t_tab, SPAWN_TIMEOUT_MS)
        t_tab.get_by_role("button", name="Review this client").first.click()
        t_tab.locator(".wb-review-stage").first.wait_for(timeout=60_000)
        t_tab.locator(".wb-review-box, .wb-section").get_by_role("link", name=label, exact=True).first.click()
        wait_for_stage(t_tab, key, timeout=SPAWN_TIMEOUT_MS)
        shown = here(t_tab).evaluate(SHOWN_WORDS)
        assert "could not be opened" not in shown and "read-only" in shown
        assert key != "feel" or MARKER in shown

    # A sees the note
    a_tab = log_in(browser, hub, client_a)
    a_tab.locator(".wb-hub-client").get_by_role("button", name="Look for new notes").click()
    said(a_tab, "A new note from your therapist")
    a_tab.goto(f"{hub.base}/user/{client_a.name}/voila/render/app.ipynb#feel")
    wait_for_stage(a_tab, "feel", timeout=SPAWN_TIMEOUT_MS)
    said(a_tab, NOTE)

    # client B: not A's server, not A's envelopes, and can't send as A
    b_tab = log_in(browser, hub, client_b)
    answer = b_tab.goto(f"{hub.base}/user/{client_a.name}/voila/render/app.ipynb")
    assert answer.status == 403
    with sqlite3.connect(hub.state / "exchange.sqlite") as db:
        envelope, link = db.execute(
            "SELECT id, link FROM envelopes WHERE recipient = ? LIMIT 1", (client_a.name,)
        ).fetchone()
    b_token = hub.token(client_b)
    assert _get(hub.service(f"api/envelopes/{envelope}"), token=b_token)[0] == 403
    status, _ = _get(
        hub.service(f"api/envelopes?id={uuid.uuid4().hex}&link={link}&kind=share&to={therapist.name}"),
        token=b_token,
        method="POST",
        data=b"sealed as if by A",
    )
    assert status == 403
    a_token = hub.token(client_a)
    assert _get(hub.service(f"api/envelopes/{envelope}"), token=a_token)[0] != 403  # A's own
    b_tab.context.close()
    _locked_on_the_server(hub, therapist, client_a, t_tab, a_tab, shared_python)
    for tab in (t_tab, a_tab):
        tab.context.close()


LOCK = "a long quiet walk by the river"
PRACTICE_LOCK = "the practice's own long passphrase"


def _everything_under(home: Path) -> bytes:
    """Every file under a person's home, read as root, as a backup of /home holds it: names and bytes."""
    files = sorted(p for p in home.rglob("*") if p.is_file() and not p.is_symlink())
    return b"".join(p.name.encode() + b"\n" + p.read_bytes() for p in files)


def _locked_on_the_server(hub, therapist, client_a, t_tab, a_tab, shared_python) -> None:
    """Issue 24 item 1 on the practice server: the client locks their workbook in the app, the
    therapist locks the clients' copies (their key goes under the same passphrase); then a
    backup of their homes holds none of the client's words, nor the workbook's name, nor a
    readable key; and the practice page asks for its passphrase once in a new visit."""
    script = (
        "from workbook.store import Home; h = Home(); wb = h.open(h.current()); print(wb.name); wb.close()"
    )
    name = python_as(client_a, shared_python, script)
    assert name
    homes = {person.name: Path(pwd.getpwnam(person.name).pw_dir) for person in (therapist, client_a)}
    words = [MARKER, "A PRIVATE LETTER", NOTE]
    assert all(word.encode() in _everything_under(homes[client_a.name]) for word in words)  # before

    # the client locks their workbook on the app's start page
    a_tab.goto(f"{hub.base}/user/{client_a.name}/voila/render/app.ipynb#start")
    wait_for_stage(a_tab, "start", timeout=SPAWN_TIMEOUT_MS)
    mine = here(a_tab).locator(".wb-lock")
    mine.get_by_label("New passphrase for the lock").fill(LOCK)
    mine.get_by_label("The lock's new passphrase again").fill(LOCK)
    mine.get_by_label("The lock's new passphrase again").press("Tab")
    mine.get_by_role("button", name="Lock this workbook").click()
    said(a_tab, "Locked. From now on it opens only with this passphrase.")

    # the therapist locks the clients' copies on the practice page; the key goes under it too
    t_tab.goto(f"{hub.base}/user/{therapist.name}/voila/render/07_practice.ipynb")
    wait_ready(t_tab, SPAWN_TIMEOUT_MS)
    practice_lock = t_tab.locator(".wb-lock")
    practice_lock.get_by_label("New passphrase for the practice").fill(PRACTICE_LOCK)
    practice_lock.get_by_label("The practice's new passphrase again").fill(PRACTICE_LOCK)
    practice_lock.get_by_label("The practice's new passphrase again").press("Tab")
    practice_lock.get_by_role("button", name="Lock the clients' copies").click()
    said(t_tab, "Locked. From now on your clients' copies open only with this passphrase.")

    # a backup of /home: none of the words, not the workbook's name nor what the therapist calls them
    for person, held in (
        (client_a, _everything_under(homes[client_a.name])),
        (therapist, _everything_under(homes[therapist.name])),
    ):
        for word in (*words, name, "Client A"):
            assert word.encode() not in held, (person.name, word)
    (key_file,) = homes[therapist.name].rglob(crypto.KEY_FILE)
    record = json.loads(key_file.read_text())
    assert "sealed" in record and "private" not in record

    # a new visit to the practice page: asked once, first; then the caseload is there
    t_tab.reload()
    wait_ready(t_tab, SPAWN_TIMEOUT_MS)
    asked = t_tab.locator(".wb-lock")
    asked.get_by_text("A locked practice").wait_for(timeout=60_000)
    assert "Client A" not in " ".join(t_tab.locator(".wb-clients").all_inner_texts())
    asked.get_by_label("The practice's passphrase", exact=True).fill(PRACTICE_LOCK)
    asked.get_by_label("The practice's passphrase", exact=True).press("Tab")
    asked.get_by_role("button", name="Open", exact=True).click()
    t_tab.locator(".wb-clients th", has_text="Client A").first.wait_for(timeout=60_000)
