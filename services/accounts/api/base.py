"""The service's one ServiceApi, the role sets its routes use, and small helpers."""
from __future__ import annotations

import uuid

from contracts.events.common import AUTHORITY, CODE, COUNTY  # noqa: F401 (the schemas' rules)
from contracts.vocabulary import ROLES
from servicekit.api import ServiceApi, roles
from servicekit.problems import not_found

api = ServiceApi("accounts")

MANAGERS = roles("operator", "admin")  # the network's own staff
ANY_SIGNED_IN = roles(*ROLES)


def path_uuid(value: str, what: str) -> uuid.UUID:
    """Path ids are plain strings in the routes (a typed converter would answer 404 before
    the token is checked); a malformed one is simply not found."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise not_found(f"no {what} {value}") from None
