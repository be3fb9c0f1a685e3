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


def match_rank(query: str, label: str, *, mildness: int = 0) -> tuple | None:
    """Where a word shown as `label` goes in the list for `query`, or None if it doesn't match.
    Both are casefolded by the caller. Smaller sorts first; ties keep the list's own order.

    1. the word itself;
    2. words that start with it, the shortest first: the fewest letters past what was typed
       is the nearest guess at the word being typed ("hope": "hopeful" before "hopeless").
       Words of the same length go milder first (`mildness`, higher = more pleasant): a list
       that opens on the hardest word is not what a person half-way through typing needs;
    3. words with a word inside that starts with it ("out": "left out");
    4. the rest that contain it.
    """
    if not query:
        return (0,)
    if label == query:
        return (0,)
    if label.startswith(query):
        return (1, len(label), -mildness)
    if any(part.startswith(query) for part in label.replace("-", " ").split()[1:]):
        return (2,)
    if query in label:
        return (3,)
    return None
