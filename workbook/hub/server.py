"""The process of a person's server on the practice hub: `python -m workbook.hubserver ...`
is `python -m jupyterhub.singleuser ...` (what `hubsetup singleuser` execs), less one import.

It starts without building a grammar no schema of the server uses (see workbook/leaner.py).
"""

from __future__ import annotations

# isort: off
from .. import leaner  # noqa: F401  (first: before anything imports jsonschema)
# isort: on


def main() -> None:
    from jupyterhub.singleuser import main as singleuser

    singleuser()


if __name__ == "__main__":
    main()
