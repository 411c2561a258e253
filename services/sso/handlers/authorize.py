"""The authorization endpoint (OpenID Connect Core 3.1.2, RFC 6749 4.1, RFC 7636).

The order of the checks is the protocol's: until the client and its redirect URI are
known to be registered (exactly, character for character), an error is a page shown
here and never a redirect — otherwise anyone could bounce people off the provider to a
page of their choosing. After that, errors go back to the client's redirect URI.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy import delete, insert, select

from services.sso.adapters.digests import digest, new_token
from services.sso.adapters.repository import AccountRepository, ClientRepository
from services.sso.adapters.tables.grants import authorization_codes, authorization_requests
from services.sso.dependencies import SsoDependencies
from services.sso.domain.clients import Client
from services.sso.domain.pkce import PkceError, check_challenge
from services.sso.handlers.sessions import BrowserSession

PROMPTS = {"none", "login", "consent", "select_account"}


class ErrorPage(Exception):
    """Shown to the person; nothing is sent to the client."""

    def __init__(self, message_key: str, detail: str = "") -> None:
        super().__init__(detail or message_key)
        self.message_key = message_key
        self.detail = detail


@dataclass(frozen=True)
class Redirect:
    url: str


class RedirectedError(Exception):
    """An error of a request whose client and redirect URI are known: it goes back there."""

    def __init__(self, redirect: Redirect) -> None:
        super().__init__(redirect.url)
        self.redirect = redirect


@dataclass(frozen=True)
class NeedsSignIn:
    request_id: str


@dataclass(frozen=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None = None
    nonce: str | None = None
    code_challenge: str = ""
    prompt: tuple[str, ...] = ()
    max_age: int | None = None
    ui_locales: str | None = None
    login_hint: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def forces_sign_in(self) -> bool:
        return "login" in self.prompt


def parse(sso: SsoDependencies, params: Mapping[str, str]) -> AuthorizationRequest:
    """A valid request; raises ErrorPage, or RedirectedError to tell the client."""
    client_id, redirect_uri = params.get("client_id"), params.get("redirect_uri")
    with sso.database.session() as session:
        client = ClientRepository(session).get(client_id)
    if client is None:
        raise ErrorPage("unknown_client", f"client_id {client_id!r} is not registered")
    if not redirect_uri or redirect_uri not in client.redirect_uris:
        raise ErrorPage("bad_redirect_uri", "redirect_uri is missing or not registered exactly")
    if not client.signs_in:
        raise ErrorPage("client_closed", f"{client.name}: sign-in is {client.status}")
    state = params.get("state")

    def refuse(error: str, description: str) -> RedirectedError:
        return RedirectedError(error_redirect(sso, redirect_uri, error, description, state))

    for name in ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce",
                 "code_challenge", "code_challenge_method", "prompt"):
        getlist = getattr(params, "getlist", None)  # werkzeug's MultiDict keeps repeats
        if getlist is not None and len(getlist(name)) > 1:
            raise refuse("invalid_request", f"{name} is repeated")
    if "request" in params:
        raise refuse("request_not_supported", "request objects are not supported")
    if "request_uri" in params:
        raise refuse("request_uri_not_supported", "request_uri is not supported")
    if params.get("response_type") != "code":
        raise refuse("unsupported_response_type", "only the authorization code flow (code)")
    if params.get("response_mode") not in (None, "query"):
        raise refuse("invalid_request", "response_mode must be query")
    scopes = (params.get("scope") or "").split()
    if "openid" not in scopes:
        raise refuse("invalid_scope", "the openid scope is required")
    try:
        challenge = check_challenge(params.get("code_challenge"),
                                    params.get("code_challenge_method"))
    except PkceError as error:
        raise refuse("invalid_request", str(error)) from None
    prompt = tuple((params.get("prompt") or "").split())
    if set(prompt) - PROMPTS or ("none" in prompt and len(prompt) > 1):
        raise refuse("invalid_request", "prompt is not valid")
    max_age = params.get("max_age")
    if max_age is not None and not max_age.isdigit():
        raise refuse("invalid_request", "max_age must be a whole number of seconds")
    nonce = params.get("nonce")
    if nonce is not None and len(nonce) > 500:
        raise refuse("invalid_request", "nonce is too long")
    return AuthorizationRequest(
        client_id=client.client_id, redirect_uri=redirect_uri,
        scopes=tuple(client.grantable_scopes(scopes)), state=state, nonce=nonce,
        code_challenge=challenge, prompt=prompt,
        max_age=int(max_age) if max_age is not None else None,
        ui_locales=params.get("ui_locales"), login_hint=params.get("login_hint"))


def decide(sso: SsoDependencies, request: AuthorizationRequest,
           session: BrowserSession | None) -> Redirect | NeedsSignIn:
    """With a session that fits, the code at once (roam on, R-SSO-5); else sign in."""
    fresh_enough = session is not None and (
        request.max_age is None
        or (sso.clock.now() - session.auth_time).total_seconds() <= request.max_age)
    if session is None or not fresh_enough or request.forces_sign_in:
        if "none" in request.prompt:
            return error_redirect(sso, request.redirect_uri, "login_required",
                                  "the person is not signed in", request.state)
        return NeedsSignIn(save_pending(sso, request))
    return issue_code(sso, request, session)


def issue_code(sso: SsoDependencies, request: AuthorizationRequest, session: BrowserSession) -> Redirect:
    with sso.database.session() as db:
        client = ClientRepository(db).get(request.client_id)
        if client is None or not client.signs_in:
            raise ErrorPage("client_closed", "the client cannot sign people in now")
        if client.test_accounts_only and not AccountRepository(db).is_test_account(
                session.account.account_id):
            return error_redirect(sso, request.redirect_uri, "access_denied",
                                  "this partner is in testing: test accounts only", request.state)
        code = new_token()
        db.execute(insert(authorization_codes).values(
            code_hash=digest(code), client_id=client.client_id,
            account_id=session.account.account_id, sid=session.sid,
            redirect_uri=request.redirect_uri, scope=" ".join(request.scopes),
            nonce=request.nonce, code_challenge=request.code_challenge,
            auth_time=session.auth_time, amr=session.amr,
            expires_at=sso.clock.now() + timedelta(seconds=sso.config.code_seconds)))
    return Redirect(_with_query(request.redirect_uri, {
        "code": code, "state": request.state, "iss": sso.config.issuer}))


def error_redirect(sso: SsoDependencies, redirect_uri: str, error: str, description: str,
                   state: str | None) -> Redirect:
    return Redirect(_with_query(redirect_uri, {"error": error, "error_description": description,
                                               "state": state, "iss": sso.config.issuer}))


def save_pending(sso: SsoDependencies, request: AuthorizationRequest) -> str:
    request_id = new_token()
    with sso.database.session() as session:
        session.execute(insert(authorization_requests).values(
            request_id=request_id, client_id=request.client_id, parameters=asdict(request),
            expires_at=sso.clock.now() + timedelta(seconds=sso.config.authorization_request_seconds)))
    return request_id


def load_pending(sso: SsoDependencies, request_id: str | None) -> AuthorizationRequest | None:
    if not request_id or len(request_id) > 64:
        return None
    with sso.database.session() as session:
        row = session.execute(select(authorization_requests).where(
            authorization_requests.c.request_id == request_id,
            authorization_requests.c.expires_at > sso.clock.now())).first()
    if row is None:
        return None
    values = dict(row.parameters)
    values["scopes"], values["prompt"] = tuple(values["scopes"]), tuple(values["prompt"])
    return AuthorizationRequest(**values)


def complete_pending(sso: SsoDependencies, request_id: str, session: BrowserSession) -> Redirect | None:
    """After signing in: the code for the request that sent the person here (once)."""
    request = load_pending(sso, request_id)
    if request is None:
        return None
    with sso.database.session() as db:
        db.execute(delete(authorization_requests).where(
            authorization_requests.c.request_id == request_id))
    return issue_code(sso, request, session)


def client_of_pending(sso: SsoDependencies, request: AuthorizationRequest | None) -> Client | None:
    if request is None:
        return None
    with sso.database.session() as session:
        return ClientRepository(session).get(request.client_id)


def _with_query(uri: str, values: Mapping[str, str | None]) -> str:
    parts = urlsplit(uri)
    query = urlencode({name: value for name, value in values.items() if value is not None})
    return urlunsplit(parts._replace(query=f"{parts.query}&{query}" if parts.query else query))
