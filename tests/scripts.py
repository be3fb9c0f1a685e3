"""The repository's scripts (outside the package: `js/lab_css.py`, `docs/share_format.py`),
loaded as modules so tests can call what they make."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType


def load_script(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
