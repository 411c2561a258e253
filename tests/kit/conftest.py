"""Two services on the embedded default (the root conftest's ``embedded``): fast tests of
the kit's behaviour that need no server."""
from __future__ import annotations

import pytest

from servicekit.service import Runtime
from services.accounts.bootstrap import DEFINITION as ACCOUNTS
from services.courses.bootstrap import DEFINITION as COURSES


@pytest.fixture
def accounts(embedded) -> Runtime:
    return embedded(ACCOUNTS)


@pytest.fixture
def courses(embedded) -> Runtime:
    return embedded(COURSES, DELIVERY_LIMIT="3")
