"""Imported first by the servers we start (`workbook.server` for `serve`, and
`workbook.hubserver` for a person's server on the practice hub), before anything imports
jsonschema.

jsonschema, loaded by jupyter_server's event logging, checks the "iri" format with
`rfc3987_syntax` when that is installed, and building that module's grammar on import costs
a server 1.5–2.5 s of its start and 16 MB (measured, benchmarks/README.md) for a format none
of jupyter_server's or Voilà's schemas use. Marked missing here, jsonschema leaves that one
format unchecked (URIs are still checked, by rfc3986_validator).
"""

from __future__ import annotations

import sys

sys.modules.setdefault("rfc3987_syntax", None)
