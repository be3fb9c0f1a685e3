"""How the exchange service says no: a refusal is an HTTP status and one plain sentence from
data/text/hub.toml [service], with its key and values so the app can say it in the person's
language."""

from __future__ import annotations

from tornado import web

from ..content import text

MiB = 2**20


class Refused(web.HTTPError):
    """A refusal: HTTP status and `message`, a sentence from data/text/hub.toml [service]."""

    def __init__(self, status: int, key: str, **values):
        super().__init__(status)
        self.key = key
        self.values = {name: str(value) for name, value in values.items()}
        self.message = text("hub")["service"][key].format(**values)

    def __str__(self) -> str:
        return self.message

    def answer(self) -> dict:
        """The JSON a refusal is sent as: the sentence, and its key and values in
        data/text/hub.toml [service], so the app can say it in the person's language."""
        return {"error": self.message, "key": self.key, "values": self.values}


def mib(size: int) -> str:
    """A size in MiB as a refusal says it: one decimal, none when it is whole."""
    return f"{size / MiB:.1f}".removesuffix(".0")
