"""The page's address: whether Voilà serves it, and the values of its query string."""

from __future__ import annotations

import os
from urllib.parse import parse_qs


def in_voila() -> bool:
    return os.environ.get("SERVER_SOFTWARE", "").startswith("voila/")


def query_value(query: str, name: str) -> str | None:
    """One value from a query string (`a=1&b=2`, any text from a link)."""
    try:
        values = parse_qs(query.lstrip("?"), max_num_fields=20).get(name)
    except ValueError:  # a link stuffed with fields: treat it as no link at all
        return None
    return values[0] if values else None


def query_param(name: str) -> str | None:
    """One value from the page's query string (Voilà sets QUERY_STRING; absent elsewhere)."""
    return query_value(os.environ.get("QUERY_STRING", ""), name)
