"""Fixtures shared by every test: a private workbook home per test, the language and country
as nobody chose them, and one way to start a server process and stop it by its PID."""

from __future__ import annotations

import pytest

from workbook import content
from workbook.paths import HOME_ENV
from workbook.store import Home

from .processes import started  # noqa: F401  (the fixture)


@pytest.fixture(autouse=True)
def language_and_country_as_nobody_chose_them():
    """Each test starts, and leaves the next one, with no language or country chosen by the
    person or their browser (the choices live in the process, as in a kernel)."""

    def forget():
        for by in ("person", "browser"):
            content.set_language(None, by=by)
            content.set_country(None, by=by)

    forget()
    yield
    forget()


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
