"""Moved to `workbook.hub.singleuser` (the server extension of a person's server on the
hub). This name stays for code and configs that name it: it is that very module."""

import sys

from .hub import singleuser as _moved

sys.modules[__name__] = _moved
