"""Voilà, started the way the workbook needs it: `python -m workbook.server NOTEBOOKS [voila options]`.

Three things plain Voilà leaves open, closed here, and one it does too soon:

- The token comes from the environment ($REJECTION_WORKBOOK_TOKEN, removed from the
  environment once read, so kernels don't inherit it), never from the command line, which
  every user of the computer can read with `ps`. Without it the server doesn't start.
- Every request must name this computer in its Host header (127.0.0.1 or localhost, any
  port): a web page elsewhere that points its own name at 127.0.0.1 ("DNS rebinding")
  gets 403. Voilà standalone does not run jupyter_server's host check.
- A path with `..` in it (however it is encoded) gets 404 instead of a server error.
- A closed tab's kernel is shut down a few seconds after the tab asks, not at once: the
  last words typed are sent just before the tab asks, and the kernel must save them first.
- A bookmark survives a restart: the token is kept per workbook folder (workbook/cli.py), and
  the login cookie is signed with a secret made from it (not a new random one each run), so
  the browser stays let in for a year. A browser that isn't let in gets a page of ours that
  says how to open the app, instead of Jupyter's password page (which accepted no password
  of ours anyway: no password logins here, and no password to set).

It also gives the template the loading screen's words in every language (workbook/loading.py),
compresses every text response it sends (Voilà applies its `tornado_settings` after making
its web app, when `compress_response` no longer takes effect: here they go in while it is
made), and lets the browser keep files whose address changes when they do (a year, never
asked again): lab extension files with a content hash in their names, and the template's
styles, whose addresses carry their content's hash (`?v=`).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import os
import sys
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

# isort: off
from . import leaner  # noqa: F401  (first: before Voilà imports jsonschema)

# isort: on
import tornado.web
import voila.app
from jupyter_core.utils import ensure_async
from tornado.ioloop import IOLoop
from voila.app import Voila
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.static_file_handler import TemplateStaticFileHandler
from voila.voila_identity_provider import VoilaLoginHandler

from . import content, loading, preheat, voila_settings
from .paths import TOKEN_ENV

# Voilà builds its kernel manager class in `Voila.start` from this factory: ours makes a warm
# kernel a page takes count as in use at once, and a page that comes while the next one waits
# to start starts it at once (workbook/preheat.py).
_voila_factory = voila.app.voila_kernel_manager_factory
voila.app.voila_kernel_manager_factory = lambda *a, **k: preheat.preheated(_voila_factory(*a, **k))

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
SHUTDOWN_GRACE = 3.0  # seconds a closing tab's kernel has to save what was sent last
COOKIE_DAYS = 365  # a browser let in once stays let in (its bookmarks work) this long
IMMUTABLE = "public, max-age=31536000, immutable"  # as jupyter_server says it


def host_is_local(host: str) -> bool:
    """True for 'localhost', '127.0.0.1', with or without ':port' (any case)."""
    name, sep, port = host.strip().lower().partition(":")
    return name in LOCAL_HOSTS and (not sep or port.isdigit())


def climbs(path: str) -> bool:
    """True when `path`, decoded as often as it decodes, has a `..` part."""
    for _ in range(4):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    return any(part == ".." for part in path.replace("\\", "/").split("/"))


class GraceShutdownHandler(VoilaShutdownKernelHandler):
    """Voilà's shutdown on tab close, answered at once and carried out a moment later."""

    @tornado.web.authenticated
    async def post(self, kernel_id):
        manager = self.kernel_manager

        async def shut_down():
            if kernel_id in manager:  # not already gone (culled, or a second request)
                await ensure_async(manager.shutdown_kernel(kernel_id))

        IOLoop.current().call_later(SHUTDOWN_GRACE, shut_down)
        self.set_status(204)
        self.finish()


class KeptTemplateStatic(TemplateStaticFileHandler):
    """The template's static files: kept a year, never asked again, when asked for by the
    address the template makes (`?v=` the file's content hash, so a changed file is asked for
    by a new address). Tornado already keeps them long (`max-age`), but the browser still
    asks again on a reload without `immutable`."""

    def set_extra_headers(self, path):
        super().set_extra_headers(path)
        if self.get_query_argument("v", None):
            self.set_header("Cache-Control", IMMUTABLE)


def cookie_secret(token: str) -> bytes:
    """The secret that signs login cookies: the same for the same token, so a browser let in
    before a restart is still let in after it (and no longer once the token is new)."""
    return hmac.new(token.encode(), b"rejection-workbook login cookies", hashlib.sha256).digest()


def page_language(accept_language: str) -> str:
    """The language of a page the server itself makes: the one chosen for the command
    ($REJECTION_WORKBOOK_LANGUAGE), else the browser's first one we speak, else English."""
    chosen = content.language_code(os.environ.get(content.LANGUAGE_ENV))
    if chosen:
        return chosen
    for part in accept_language.split(","):
        code = content.language_code(part.split(";")[0])
        if code:
            return code
    return content.LANGUAGES[0]


def private_address_page(lang: str, again: str, country: str | None = None) -> str:
    """Our page for a browser the app doesn't know: what happened and what to do, calmly,
    and the crisis line of the browser's country, as on every page of the app."""
    words = content.text("messages", lang)["private_address"]
    crisis = content.resources_for(lang, guessed=country)["crisis"]
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(words["title"])}</title>
<style>
  body {{ margin: 0; padding: 0 1rem; background: #f4f2ed; color: #22262a; font: 18px/1.55 system-ui, sans-serif; }}
  main {{ max-width: 34rem; margin: 12vh auto 2rem; padding: 2rem 1.5rem; background: #fff;
         border: 1px solid #dcd6ca; border-radius: 12px; }}
  h1 {{ font-size: 1.5rem; font-weight: 600; margin: 0 0 1rem; color: #1d4d48; }}
  code {{ background: #e2eeeb; padding: 0.1em 0.35em; border-radius: 4px; font-size: 0.95em; }}
  a {{ color: #1d4d48; }}
  a:focus-visible {{ outline: 3px solid #1a5fb4; outline-offset: 2px; }}
  .kept {{ color: #4a5056; font-size: 0.95rem; }}
  .crisis {{ max-width: 34rem; margin: 0 auto 2rem; padding: 0 1.5rem; font-size: 0.95rem; }}
  @media (prefers-color-scheme: dark) {{
    body {{ background: #15181b; color: #e6e6e6; }}
    main {{ background: #1d2125; border-color: #363d44; }}
    h1, a {{ color: #b0ddd6; }}
    code {{ background: #213b38; }}
    .kept {{ color: #b8bec4; }}
  }}
</style></head>
<body><main>
<h1>{html.escape(words["title"])}</h1>
<p>{html.escape(words["lead"])}</p>
<p>{words["how"]}</p>
<p><a href="{html.escape(again)}">{html.escape(words["again"])}</a></p>
<p class="kept">{html.escape(words["kept"])}</p>
</main>
<aside class="crisis" aria-label="{html.escape(crisis["label"])}"><p><strong>{html.escape(crisis["heading"])}</strong>
{content.crisis_line_html(crisis)}</p></aside>
</body></html>
"""


def again_address(wanted: str, default: str = "/") -> str:
    """The page a browser asked for, to try again: a path on this server only, without a
    (wrong or old) token in it."""
    if not wanted.startswith("/") or wanted.startswith("//") or "\\" in wanted:
        return default
    parts = urlsplit(wanted)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "token"])
    return urlunsplit(("", "", parts.path, query, parts.fragment))


class PrivateAddressHandler(VoilaLoginHandler):
    """/login: a browser that is let in goes on to the page it asked for; any other gets our
    page. No form: the token is never typed, and no password can be set from here."""

    def _render(self, message=None):
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        browser = self.request.headers.get("Accept-Language", "")
        lang = page_language(browser)
        country = content.country_code(browser.split(",")[0].split(";")[0].strip())
        again = again_address(self.get_argument("next", ""), self.base_url)
        self.finish(private_address_page(lang, again, country))

    def post(self):
        self._render()


class WorkbookVoila(Voila):
    """Voilà with the token from the environment, a Host check, no 500 on `..`, a login that
    lasts across restarts and our own page for a browser not let in."""

    def initialize(self, argv=None):
        token = os.environ.pop(TOKEN_ENV, "")
        if not token:
            sys.exit(
                f"workbook.server: set ${TOKEN_ENV} to the token (it is never read from the command line)."
            )
        super().initialize(argv)
        self.token = token  # read by Voilà when it builds the app, in start()
        self.cookie_secret = cookie_secret(token)
        # the login cookie lasts (tornado's default: 30 days), and is honoured as long
        self.config.IdentityProvider.cookie_options = {"expires_days": COOKIE_DAYS}
        self.config.IdentityProvider.get_secure_cookie_kwargs = {"max_age_days": COOKIE_DAYS}
        loading.add_to(self.voila_configuration)  # the loading screen's words, in every language

    def init_settings(self):
        # Voilà adds self.tornado_settings after making its web app, when tornado no longer
        # reads `compress_response`: given here, they are read while the app is made.
        settings = {**super().init_settings(), **self.tornado_settings}
        settings["static_immutable_cache"] = [
            *settings.get("static_immutable_cache", []),
            *voila_settings.immutable_urls(self.base_url, self.labextensions_path),
        ]
        return settings

    def init_handlers(self):
        return [
            (pattern, OURS.get(handler, handler), *rest)
            for pattern, handler, *rest in super().init_handlers()
        ]

    def listen(self):
        # `start()` has built self.app; check each request before Voilà's routing sees it
        find = self.app.find_handler

        def checked(request, **kwargs):
            if not host_is_local(request.host or ""):
                return self.app.get_handler_delegate(request, tornado.web.ErrorHandler, {"status_code": 403})
            if climbs(request.path):
                return self.app.get_handler_delegate(request, tornado.web.ErrorHandler, {"status_code": 404})
            return find(request, **kwargs)

        self.app.find_handler = checked
        super().listen()


OURS = {
    VoilaShutdownKernelHandler: GraceShutdownHandler,
    VoilaLoginHandler: PrivateAddressHandler,
    TemplateStaticFileHandler: KeptTemplateStatic,
}

main = WorkbookVoila.launch_instance

if __name__ == "__main__":
    main()
