"""What goes wrong with what was typed, saved or brought in, in the person's language.

Messages live in data/text/messages.toml (a table per part: `store.busy` is the [store]
table's `busy`). Numbers are written the language's way (1,234 / 1.234).
"""

from __future__ import annotations

from . import content, formats


def say(key: str, **values) -> str:
    """The message `key`, filled in with `values`."""
    values = {
        k: formats.number(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
        for k, v in values.items()
    }
    found = content.text("messages")
    for part in key.split("."):
        found = found[part]
    return found.format(**values)
