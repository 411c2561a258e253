"""The service's one ServiceApi and what its routes share."""
from __future__ import annotations

from flask import request
from jose import JOSEError, jwt

from servicekit.api import ServiceApi, authenticate
from servicekit.problems import unauthenticated
from servicekit.service import Runtime
from servicekit.tokens import Principal, bearer_token, invalid_token
from servicekit.web import current_runtime
from services.transfer.components import TransferComponents

api = ServiceApi("transfer")


def runtime() -> Runtime[TransferComponents]:
    return current_runtime()


def components() -> TransferComponents:
    return runtime().components


def machine_principal() -> Principal:
    """The caller of a push: a source's own token (client credentials, transfer audience);
    a platform token, a partner's or none is refused with 401."""
    token = bearer_token(request.headers.get("Authorization"))
    if token is None:
        raise unauthenticated("a source's bearer token is required")
    verifier = components().machine_tokens
    # A token made for another audience is refused before any key is looked up: a
    # platform token here is a mistake, never a reason to fetch sso's keys.
    try:
        audience = jwt.get_unverified_claims(token).get("aud")
    except JOSEError:
        audience = None
    if audience != verifier.audience:
        raise invalid_token("this endpoint takes a source's own token")
    return verifier.verify(token)


def source_or_platform_principal() -> Principal:
    """A source's own token (the transfer audience) or a platform account's token: each
    verified by its own verifier, chosen by the audience the token names."""
    token = bearer_token(request.headers.get("Authorization"))
    try:
        audience = jwt.get_unverified_claims(token).get("aud") if token else None
    except JOSEError:
        audience = None
    if audience == components().machine_tokens.audience:
        return machine_principal()
    principal = authenticate(required=True)
    assert principal is not None  # required: refused with 401 otherwise
    return principal
