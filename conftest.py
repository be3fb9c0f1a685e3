"""Keep every test run, notebooks included, away from the person's real workbooks."""

import os
import tempfile


def pytest_configure(config):
    # Set before nbval starts any kernel, so the notebooks write to a throwaway home.
    os.environ["REJECTION_WORKBOOK_HOME"] = tempfile.mkdtemp(prefix="rw-test-home-")
    os.environ.pop("QUERY_STRING", None)
