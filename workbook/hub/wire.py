"""How the app talks to the hub's exchange service: its address, whom it trusts, each request,
and what a refusal says (`HubError`). The verbs that use it are `workbook.hub.client`'s.
"""

from __future__ import annotations

import functools
import json
import os
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable

from .. import content
from ..errors import Problem, is_key
from . import facts

URL_ENV = facts.EXCHANGE_URL_ENV
SERVICE_PATH = facts.service_prefix().lstrip("/")  # relative to the hub's address
TIMEOUT = 60  # seconds; the largest envelope over a slow link


class HubError(Problem):
    """Refused or failed; str(err) is one calm, plain sentence for the person, said in their
    language when shown (data/text/hub.toml: a Problem, see workbook/errors.py).

    `key` names the sentence in data/text/hub.toml ("client.key_mismatch", or the service's
    own key as "service.used"; None for words that come with the error: a wrapped `problem`
    of the workbook's own checks, or what the service said when the app has no key for it)
    and `values` fill its {placeholders}; what the service said stands in when this app has
    no words for its key (a newer service's). `status` is the service's HTTP status when it
    answered; `results` what was done before some part failed (for `collect` and `receive`);
    `reasons` the Problems (seals that didn't open) said after the sentence.

    Unlike the store's problems, a hub error is said in the language of the page that asked
    (the one in use when the answer came back), wherever it is shown later; `words(lang)`
    says it in another.

    A failure of the network or the service is a Problem of its own kind, not an entry that
    can't be saved; pages show every Problem calmly (`Page.guard`, workbook/stages/page.py).
    """

    text_file = "hub"

    def __init__(
        self,
        message: object = None,
        *,
        status: int | None = None,
        results=None,
        key: str | None = None,
        values: dict | None = None,
        said: str | None = None,
        problem: Problem | None = None,
        reasons: Iterable[Problem] = (),
    ):
        if key is None and is_key(message):
            key, message = message, None
        super().__init__(key, said=said if said is not None else message, **dict(values or {}))
        self.status = status
        self.results = results
        self.problem = problem
        self.reasons = tuple(reasons)
        self.asked_in = content.language()

    def words(self, lang: str | None = None) -> str:
        lang = lang or self.asked_in
        said = self.problem.words(lang) if self.problem is not None else super().words(lang)
        why = sorted({reason.words(lang) for reason in self.reasons})
        return " ".join([said, *why])


def _say(key: str, **values) -> str:
    """The app's own sentence `key` (data/text/hub.toml [client]) in the language in use now."""
    return HubError(f"client.{key}", values=values).words()


# -- talking to the service -------------------------------------------------------------------
def service_url() -> str | None:
    """The service's address: $REJECTION_WORKBOOK_EXCHANGE_URL, else the hub's public address
    followed by /services/rejection-exchange/; None when neither is known."""
    url = os.environ.get(URL_ENV, "").strip()
    if not url:
        public = os.environ.get("JUPYTERHUB_PUBLIC_URL", "").strip()
        if not public:
            return None
        url = urllib.parse.urljoin(public.rstrip("/") + "/", SERVICE_PATH)
    return url.rstrip("/") + "/"


def exchange_tls(url: str) -> ssl.SSLContext | None:
    """How the app checks whom it talks to before it sends a token: over https, the exchange's
    certificate must come from the CA the hub names in $REJECTION_EXCHANGE_CA (the PEM text
    of its internal CA for services, set by the hub for each person's server) and be made
    for the address asked. A program holding the port while the exchange is down has no
    such certificate: the connection fails before anything is sent. Without that variable,
    the system's own CAs check it. Plain http (tests, a hub without internal TLS): None."""
    if not url.startswith("https:"):
        return None
    authority = os.environ.get(facts.EXCHANGE_CA_ENV, "").strip()
    return ssl.create_default_context(cadata=authority) if authority else ssl.create_default_context()


def _request(method: str, path: str, *, query: dict | None = None, json_body=None, data: bytes | None = None):
    """The service's answer (a dict, or bytes for an envelope); HubError with its message if refused."""
    url = service_url()
    token = os.environ.get("JUPYTERHUB_API_TOKEN", "")
    if not url or not token:
        raise HubError("client.not_on_hub")
    url = url + path + ("?" + urllib.parse.urlencode(query) if query else "")
    headers = {"Authorization": f"token {token}"}
    if json_body is not None:
        data = json.dumps(json_body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    elif data is not None:
        headers["Content-Type"] = "application/octet-stream"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT, context=exchange_tls(url)) as response:
            body = response.read()
            if response.headers.get_content_type() == "application/octet-stream":
                return body
            return json.loads(body or b"{}")
    except urllib.error.HTTPError as exc:
        raise _refused(exc) from None
    except (OSError, ValueError):
        raise HubError("client.unreachable") from None


def _refused(exc: urllib.error.HTTPError) -> HubError:
    """The service's refusal as a HubError: its sentence in the person's language when the
    app knows its key (data/text/hub.toml [service]), else as the service said it."""
    try:
        found = json.loads(exc.read(64 * 1024))
        message, key, values = found.get("error"), found.get("key"), found.get("values") or {}
    except (OSError, ValueError, AttributeError):
        message, key, values = None, None, {}
    if not isinstance(message, str) or not message:
        return HubError("client.unreachable", status=exc.code)
    if not isinstance(key, str) or not isinstance(values, dict):
        return HubError(said=message, status=exc.code)
    return HubError(key=f"service.{key}", values=values, said=message, status=exc.code)


@functools.lru_cache(maxsize=4)
def _reachable(url: str, _minute: int) -> bool:
    try:
        with urllib.request.urlopen(url + "api/health", timeout=3, context=exchange_tls(url)) as response:
            return json.loads(response.read()).get("ok") is True
    except (OSError, ValueError, AttributeError):
        return False


def on_hub() -> bool:
    """True inside a JupyterHub single-user server that has the exchange service
    (JUPYTERHUB_API_TOKEN and JUPYTERHUB_SERVICE_PREFIX set, service reachable at
    $REJECTION_WORKBOOK_EXCHANGE_URL or the hub's /services/rejection-exchange/)."""
    if not (os.environ.get("JUPYTERHUB_API_TOKEN") and os.environ.get("JUPYTERHUB_SERVICE_PREFIX")):
        return False
    url = service_url()
    return bool(url) and _reachable(url, int(time.time() // 60))  # asked again each minute


def whoami() -> dict:
    """{"name": str, "therapist": bool} for the person logged in."""
    me = _request("GET", "api/me")
    if not isinstance(me, dict) or not isinstance(me.get("name"), str):
        raise HubError("client.unreachable")
    return {"name": me["name"], "therapist": me.get("therapist") is True}
