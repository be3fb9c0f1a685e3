"""Who is a therapist on a practice server on one machine: the Unix group, read fresh.

The hub reads it at every log-in and, through `refresh_user`, at least once a minute while a
person uses it; the exchange reads it at every request that needs a therapist
(`facts.UNIX_GROUP_ENV` names the group; on Kubernetes, with no Unix groups,
the exchange asks the hub instead). Taken out of the group, a therapist has a client's
rights at once, not from their next log-in.
"""

from __future__ import annotations

import grp
import pwd
from collections.abc import Iterable


def is_therapist(name: str, group: str, names: Iterable[str] = ()) -> bool:
    """Whether `name` is in the Unix group `group` (as a member or by their own group), or
    one of `names`."""
    if name in set(names):
        return True
    try:
        entry = grp.getgrnam(group)
        user = pwd.getpwnam(name)
    except KeyError:
        return False
    return name in entry.gr_mem or user.pw_gid == entry.gr_gid
