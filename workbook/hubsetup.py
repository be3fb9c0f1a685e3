"""Moved to `workbook.hub.setup`. This name stays: `python -m workbook.hubsetup start` is how
deploy/jupyterhub/setup.sh, deploy/README.md and the Kubernetes values run it, and imported,
it is that very module (not a copy), so a name changed here is changed there."""

import sys

from .hub import setup as _moved

if __name__ == "__main__":
    sys.exit(_moved.main())
sys.modules[__name__] = _moved
