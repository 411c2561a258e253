"""Two services on the embedded default (the root conftest's ``embedded``): fast tests of
the kit's behaviour that need no server."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from servicekit.db import Database
from servicekit.service import Runtime
from services.accounts.bootstrap import DEFINITION as ACCOUNTS
from services.courses.bootstrap import DEFINITION as COURSES


@pytest.fixture
def accounts(embedded) -> Runtime:
    return embedded(ACCOUNTS)


@pytest.fixture
def courses(embedded) -> Runtime:
    return embedded(COURSES, DELIVERY_LIMIT="3")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request, tmp_path) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    """An empty database on SQLite, then on PostgreSQL: for the kit's own SQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kit.sqlite3'}"
    else:
        url = request.getfixturevalue("make_database")("kit")
    database = Database(url)
    yield database
    database.dispose()
