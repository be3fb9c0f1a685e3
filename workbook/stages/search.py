"""What a search box may choose by itself (the feelings in Stage 1, the traits in Stage 2)."""

from __future__ import annotations


def shown_choice(query: str, found: list[str]) -> str | None:
    """The match a search may pick by itself: only what the person plainly asked for.

    The word typed (listed first), or the only match; never the first of several others
    (searching "calm" must not quietly pick "relief"). `found` is casefolded like `query`.
    """
    if query and query in found:
        return query
    return found[0] if query and len(found) == 1 else None
