"""The errors every layer raises, in a module that imports nothing of the workbook's.

Kept apart so that the modules raising them (`text`, `model`, the command line) need not
import each other to share them: imports go one way (see tests/test_imports.py).
"""

from __future__ import annotations


class InvalidEntry(ValueError):
    """A value that cannot be saved; the message is written for the person, not a developer."""


class CliError(Exception):
    """A problem to report in one plain sentence, without a traceback."""
