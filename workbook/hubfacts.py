"""Moved to `workbook.hub.facts`. This name stays for code that imports it: it is that very
module (not a copy), so what is read or changed here is read or changed there."""

import sys

from .hub import facts as _moved

sys.modules[__name__] = _moved
