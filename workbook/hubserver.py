"""Moved to `workbook.hub.server`. This name stays: `python -m workbook.hubserver ...` is the
process of a person's server that `python -m workbook.hubsetup singleuser` execs (and what
`ps` shows for it), and imported, it is that very module (not a copy)."""

import sys

from .hub import server as _moved  # imports workbook.leaner first, before anything else

if __name__ == "__main__":
    _moved.main()
sys.modules[__name__] = _moved
