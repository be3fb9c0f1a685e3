"""The practice page as a therapist meets it on the real practice server (issue 20, item 4).

One hub for the module and one log-in: the therapist logs in and lands on the practice page
(not the clients' start page); makes their key; after a reload the page says the key is
there (its fingerprint, not backed up yet) with no "Make my key", and opens on the clients
and the inbox; an invitation's code is twelve characters; and once the client uses it (here
through the exchange's API with the client's own token, as the app would: no second log-in),
the code leaves "Codes not used yet" on the open page, with no reload.
"""

from __future__ import annotations

import http.cookiejar
import json
import pwd
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from workbook.hub import crypto
from workbook.store import Home

from .helpers import screenshot, wait_for_stage, wait_ready
from .hubkit import SPAWN_TIMEOUT_MS, _get, log_in, python_as, said
from .test_patterns_and_reminders import (
    PATTERN_SAID,
    download_a_reminder,
    follow_to_patterns,
    write_rejections,
)

# a real hub with real Unix users; one xdist worker runs every such test in turn, as they share
# the hub's Unix groups (made and removed around each hub)
pytestmark = [pytest.mark.browser, pytest.mark.hub, pytest.mark.xdist_group("hub")]


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # after logging in, not on to start their server


def _known_to_the_hub(hub, person) -> None:
    """Log `person` in over plain HTTP (no browser, no server started): the hub then knows
    them, and gives them a token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _Stay)
    opener.open(f"{hub.base}/hub/login", timeout=30).read()
    xsrf = next(c.value for c in jar if c.name == "_xsrf")
    form = urllib.parse.urlencode({"username": person.name, "password": person.password, "_xsrf": xsrf})
    try:
        opener.open(f"{hub.base}/hub/login", data=form.encode(), timeout=60)
    except urllib.error.HTTPError as exc:
        assert exc.code in (302, 303), exc.code  # logged in, sent on (not followed)


def _redeem(hub, person, code: str) -> None:
    """Use `code` as `person`'s app does: look at the therapist's key, then redeem."""
    _known_to_the_hub(hub, person)
    token = hub.token(person)
    secret = crypto.code_secret(code)
    link = crypto.invitation_id(secret)
    public = crypto.public_bytes(crypto.new_private_key())
    mac = crypto.redeem_mac(crypto.redeem_verifier(secret), link, public)
    body = {"public_key": crypto.b64(public), "mac": mac}
    status, answer = _get(
        hub.service(f"api/invitations/{link}/key"), token=token, method="POST", data=json.dumps(body).encode()
    )
    assert status == 200, answer
    assert crypto.check_key_mac(
        secret, link, crypto.unb64(json.loads(answer)["therapist_key"]), json.loads(answer)["key_mac"]
    )
    body["proof"] = crypto.key_proof(secret, public)
    status, answer = _get(
        hub.service(f"api/invitations/{link}/redeem"),
        token=token,
        method="POST",
        data=json.dumps(body).encode(),
    )
    assert status == 200, answer


def _headings(tab) -> list[str]:
    return [h.strip() for h in tab.locator(".wb-page h2").all_inner_texts()]


def test_a_therapist_lands_on_their_practice_page_and_it_keeps_up(browser, hub, people, shared_python):
    therapist, client_a, _client_b = people

    # logging in (no page asked for) opens the practice page, not the clients' start page
    tab = log_in(browser, hub, therapist)
    assert "/voila/render/07_practice.ipynb" in tab.url, tab.url
    assert tab.get_by_role("heading", name="Your practice", exact=True).is_visible()
    assert "Join your therapist with a code" not in tab.inner_text("body")
    assert _headings(tab)[0] == "Your practice key"  # no key yet: that comes first

    tab.get_by_role("button", name="Make my key").click()
    said(tab, "Your key is ready")
    fingerprint = re.search(r"fingerprint is ([0-9A-Z-]+)", tab.inner_text(".wb-hub-keys")).group(1)

    # a reload: the key is there, and said so; the page opens on clients and inbox
    tab.reload()
    wait_ready(tab, SPAWN_TIMEOUT_MS)
    state = tab.locator(".wb-hub-key-state").inner_text(timeout=60_000)
    assert fingerprint in state and "isn't backed up yet" in state, state
    assert (
        tab.get_by_role("button", name="Make my key").count() == 0
        or not tab.get_by_role("button", name="Make my key").is_visible()
    )
    assert tab.get_by_role("button", name="Make a backup file").is_visible()
    assert _headings(tab)[:3] == ["Your clients", "Inbox", "Review"], _headings(tab)

    # an invitation: a code to read aloud in one breath
    tab.get_by_label("What you call this client").fill("Client A")
    tab.get_by_role("button", name="Make the invitation").click()
    code = tab.locator(".wb-hub-code code").inner_text(timeout=60_000).strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code), code
    waiting = tab.locator(".wb-hub-open")
    waiting.get_by_text("Client A — made").wait_for(timeout=30_000)

    # client A uses it elsewhere; the open page lets it go, with no reload
    _redeem(hub, client_a, code)
    used = time.monotonic()
    tab.get_by_text("Client A has just used their code").wait_for(timeout=30_000)
    gone_after = time.monotonic() - used
    assert "No codes are waiting" in waiting.inner_text()
    assert tab.get_by_role("button", name="Withdraw").count() == 0
    print(f"the used code left the list {gone_after:.1f} s after it was used")
    screenshot(tab, "hub-practice-page")
    tab.context.close()


def test_a_client_finds_their_patterns_and_saves_a_reminder_on_the_practice_server(
    browser, hub, people, shared_python
):
    """Issue 24, items 2 and 3, as a client meets them on the hub: with two rejections in their
    workbooks, the start page leads to the patterns page, which the person's own server draws;
    and a reminder downloaded from the start page links to their own app at the practice's
    public address (the hub's `public_url`), with no token in it."""
    _therapist, _client_a, client_b = people
    folder = python_as(client_b, shared_python, "from workbook.store import Home; print(Home().path)")
    write_rejections(Home(folder))  # as root, then handed to the person, as a restore would
    subprocess.run(["chown", "-R", f"{client_b.name}:", pwd.getpwnam(client_b.name).pw_dir], check=True)

    tab = log_in(browser, hub, client_b)
    app = f"{hub.base}/user/{client_b.name}/voila/render/app.ipynb"
    tab.goto(f"{app}#start")
    wait_for_stage(tab, "start", timeout=SPAWN_TIMEOUT_MS)
    assert PATTERN_SAID in follow_to_patterns(tab)
    screenshot(tab, "hub-patterns")

    tab.goto(f"{app}#start")
    wait_for_stage(tab, "start", timeout=SPAWN_TIMEOUT_MS)
    event, ics = download_a_reminder(tab)
    assert str(event["url"]).startswith(app), event["url"]
    assert b"token" not in ics.lower()
    tab.context.close()
