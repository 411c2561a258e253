"""The service's one ServiceApi, the role sets its routes use, and small helpers."""
from __future__ import annotations

import uuid

from contracts.events.common import AUTHORITY, CODE, COUNTY  # noqa: F401 (the schemas' rules)
from contracts.vocabulary import ROLES
from servicekit.api import ServiceApi, roles
from servicekit.clock import Clock
from servicekit.errors import NotFound
from servicekit.service import Runtime
from servicekit.web import current_runtime
from services.accounts.components import AccountsComponents

api = ServiceApi("accounts")

MANAGERS = roles("operator", "admin")  # the network's own staff
ANY_SIGNED_IN = roles(*ROLES)


def path_uuid(value: str, what: str) -> uuid.UUID:
    """Path ids are plain strings in the routes (a typed converter would answer 404 before
    the token is checked); a malformed one is simply not found."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(f"no {what} {value}") from None


def runtime() -> Runtime[AccountsComponents]:
    return current_runtime()


def work():
    """A new unit of work for this request's use case."""
    return runtime().components.unit_of_work()


def clock() -> Clock:
    return runtime().clock


def vault():
    return runtime().components.vault
