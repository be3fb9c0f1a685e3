"""Fixtures shared by every test: a private workbook home per test."""

from __future__ import annotations

import pytest

from workbook.paths import HOME_ENV
from workbook.store import Home


@pytest.fixture
def home(tmp_path, monkeypatch) -> Home:
    """An empty workbook home that the stage pages and the CLI will use."""
    path = tmp_path / "home"
    monkeypatch.setenv(HOME_ENV, str(path))
    monkeypatch.delenv("QUERY_STRING", raising=False)
    return Home(path)


@pytest.fixture
def wb(home):
    """A fresh, open workbook called 'Test' that is also the current one."""
    book = home.create("Test")
    home.set_current(book.path.stem)
    yield book
    book.close()
