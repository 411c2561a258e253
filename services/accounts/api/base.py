"""The service's one ServiceApi, the role sets its routes use, and small helpers."""
from __future__ import annotations

import uuid

from flask import request
from jose import JOSEError, jwt

from contracts.events.common import AUTHORITY, CODE, COUNTY  # noqa: F401 (the schemas' rules)
from contracts.vocabulary import ROLES
from servicekit.api import ServiceApi, roles
from servicekit.clock import Clock
from servicekit.errors import Forbidden, NotFound
from servicekit.problems import unauthenticated
from servicekit.service import Runtime
from servicekit.tokens import Principal, bearer_token, invalid_token
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


def service_principal(scope: str) -> Principal:
    """The caller of a service endpoint: a platform service's own token (client
    credentials from sso, this service's audience) holding ``scope``. No token, a token
    for another audience (a user's, a source's) or one that does not verify: 401; a
    service token without the scope: 403."""
    token = bearer_token(request.headers.get("Authorization"))
    if token is None:
        raise unauthenticated("a service's bearer token is required")
    verifier = runtime().components.service_tokens
    # A token made for another audience is refused before any key is looked up.
    try:
        audience = jwt.get_unverified_claims(token).get("aud")
    except JOSEError:
        audience = None
    if audience != verifier.audience:
        raise invalid_token("this endpoint takes a platform service's own token")
    principal = verifier.verify(token)
    if scope not in principal.scope:
        raise Forbidden(f"the token lacks the scope {scope}", slug="missing-scope",
                        title="Scope missing")
    return principal
