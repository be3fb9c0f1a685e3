"""The process of a person's server on the practice hub: `python -m workbook.hubserver ...`
is `python -m jupyterhub.singleuser ...` (what `hubsetup singleuser` execs), less one import.

jsonschema, loaded by jupyter_server's event logging, checks the "iri" format with
`rfc3987_syntax` when that is installed, and building its grammar on import costs every
person's server about 2.5 s of its start and 16 MB (measured, benchmarks/README.md) for a
format none of jupyter_server's own schemas use. Marked missing here, before anything
imports jsonschema: jsonschema then leaves that one format unchecked (URIs are still
checked by rfc3986_validator).
"""

from __future__ import annotations

import sys


def main() -> None:
    sys.modules.setdefault("rfc3987_syntax", None)
    from jupyterhub.singleuser import main as singleuser

    singleuser()


if __name__ == "__main__":
    main()
