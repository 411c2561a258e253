"""The service's one ServiceApi and what its routes share."""
from __future__ import annotations

from flask import request

from servicekit.api import ServiceApi
from servicekit.problems import unauthenticated
from servicekit.service import Runtime
from servicekit.tokens import Principal, bearer_token
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
    return components().machine_tokens.verify(token)
