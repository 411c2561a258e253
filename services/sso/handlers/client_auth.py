"""Client authentication at the token, revocation and introspection endpoints
(RFC 6749 2.3): ``client_secret_basic``, ``client_secret_post``, or ``none`` for the
public client, which proves itself with PKCE instead."""
from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from urllib.parse import unquote

from services.sso.adapters.digests import digest_matches
from services.sso.adapters.unit_of_work import SsoWork
from services.sso.domain.clients import Client


class OAuthError(Exception):
    """An error answer of the token-family endpoints (RFC 6749 5.2)."""

    def __init__(self, error: str, description: str, status: int = 400,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status
        self.headers = dict(headers or {})


def invalid_client(description: str, basic: bool) -> OAuthError:
    headers = {"WWW-Authenticate": 'Basic realm="inservice-sso"'} if basic else {}
    return OAuthError("invalid_client", description, 401, headers)


def client_credentials(form: Mapping[str, str],
                       authorization: str | None) -> tuple[str | None, str | None, bool]:
    """The client id and secret a request presents, in Basic or the form (never both),
    and whether they came in Basic (whose refusal carries a challenge)."""
    client_id, secret, method = _presented(form, authorization)
    if form.get("client_id") not in (None, client_id):
        raise OAuthError("invalid_request", "client_id does not match the credentials")
    return client_id, secret, method == "client_secret_basic"


def _presented(form: Mapping[str, str],
               authorization: str | None) -> tuple[str | None, str | None, str]:
    basic = _basic_credentials(authorization)
    if basic is not None and ("client_secret" in form):
        raise OAuthError("invalid_request", "use one client authentication method only")
    if basic is not None:
        return basic[0], basic[1], "client_secret_basic"
    if "client_secret" in form:
        return form.get("client_id"), form.get("client_secret"), "client_secret_post"
    return form.get("client_id"), None, "none"


def authenticate_client(uow: SsoWork, form: Mapping[str, str], authorization: str | None,
                        allow_public: bool = True) -> Client:
    client_id, secret, method = _presented(form, authorization)
    basic = method == "client_secret_basic"
    with uow:
        client = uow.clients.get(client_id)
    if client is None:
        raise invalid_client("unknown client or wrong credentials", basic)
    if client.public:
        if method != "none" or not allow_public:
            raise invalid_client("this client cannot authenticate here", basic)
    elif method == "none" or client.auth_method != method or \
            not digest_matches(secret or "", client.secret_hash):
        raise invalid_client("unknown client or wrong credentials", basic)
    if form.get("client_id") not in (None, client.client_id):
        raise OAuthError("invalid_request", "client_id does not match the credentials")
    return client


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization:
        return None
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise invalid_client("the Basic credentials are malformed", True) from None
    client_id, separator, secret = decoded.partition(":")
    if not separator:
        raise invalid_client("the Basic credentials are malformed", True)
    # RFC 6749 2.3.1: both parts are form-urlencoded before they are joined.
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))
