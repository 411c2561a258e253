"""The authorization endpoint (OpenID Connect Core 3.1.2, RFC 6749 4.1, RFC 7636).

The order of the checks is the protocol's: until the client and its redirect URI are
known to be registered (exactly, character for character), an error is a page shown
here and never a redirect — otherwise anyone could bounce people off the provider to a
page of their choosing. After that, errors go back to the client's redirect URI.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from urllib.parse import urlencode, urlsplit, urlunsplit

from servicekit.clock import Clock
from services.sso.adapters.digests import digest, new_token
from services.sso.adapters.unit_of_work import SsoWork
from services.sso.config import SsoConfig
from services.sso.domain.clients import Client
from services.sso.domain.grants import AuthorizationCode, PendingRequest
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


@dataclass(frozen=True)
class Authorizer:
    """What the authorization endpoint takes: a unit of work per transaction, the settings
    (issuer, lifetimes) and the clock."""
    unit_of_work: Callable[[], SsoWork]
    config: SsoConfig
    clock: Clock

    def parse(self, params: Mapping[str, str]) -> AuthorizationRequest:
        return parse(self.unit_of_work(), self.config.issuer, params)

    def decide(self, request: AuthorizationRequest,
               session: BrowserSession | None) -> Redirect | NeedsSignIn:
        """With a session that fits, the code at once (roam on, R-SSO-5); else sign in."""
        fresh_enough = session is not None and (
            request.max_age is None
            or (self.clock.now() - session.auth_time).total_seconds() <= request.max_age)
        if session is None or not fresh_enough or request.forces_sign_in:
            if "none" in request.prompt:
                return error_redirect(self.config.issuer, request.redirect_uri,
                                      "login_required", "the person is not signed in",
                                      request.state)
            return NeedsSignIn(self.save_pending(request))
        return self.issue_code(request, session)

    def issue_code(self, request: AuthorizationRequest, session: BrowserSession) -> Redirect:
        issuer = self.config.issuer
        with self.unit_of_work() as uow:
            client = uow.clients.get(request.client_id)
            if client is None or not client.signs_in:
                raise ErrorPage("client_closed", "the client cannot sign people in now")
            if client.test_accounts_only and not uow.accounts.is_test_account(
                    session.account.account_id):
                return error_redirect(issuer, request.redirect_uri, "access_denied",
                                      "this partner is in testing: test accounts only",
                                      request.state)
            code = new_token()
            uow.grants.add_code(AuthorizationCode(
                code_hash=digest(code), client_id=client.client_id,
                account_id=session.account.account_id, sid=session.sid,
                redirect_uri=request.redirect_uri, scope=" ".join(request.scopes),
                nonce=request.nonce, code_challenge=request.code_challenge,
                auth_time=session.auth_time, amr=session.amr,
                expires_at=self.clock.now() + timedelta(seconds=self.config.code_seconds)))
        return Redirect(_with_query(request.redirect_uri, {
            "code": code, "state": request.state, "iss": issuer}))

    def save_pending(self, request: AuthorizationRequest) -> str:
        request_id = new_token()
        expires_at = self.clock.now() + timedelta(
            seconds=self.config.authorization_request_seconds)
        with self.unit_of_work() as uow:
            uow.grants.add_request(PendingRequest(request_id, request.client_id,
                                                  asdict(request), expires_at))
        return request_id

    def load_pending(self, request_id: str | None) -> AuthorizationRequest | None:
        if not request_id or len(request_id) > 64:
            return None
        with self.unit_of_work() as uow:
            pending = uow.grants.live_request(request_id, self.clock.now())
        if pending is None:
            return None
        values = dict(pending.parameters)
        values["scopes"], values["prompt"] = tuple(values["scopes"]), tuple(values["prompt"])
        return AuthorizationRequest(**values)

    def complete_pending(self, request_id: str, session: BrowserSession) -> Redirect | None:
        """After signing in: the code for the request that sent the person here (once)."""
        request = self.load_pending(request_id)
        if request is None:
            return None
        with self.unit_of_work() as uow:
            uow.grants.remove_request(request_id)
        return self.issue_code(request, session)

    def client_of_pending(self, request: AuthorizationRequest | None) -> Client | None:
        if request is None:
            return None
        with self.unit_of_work() as uow:
            return uow.clients.get(request.client_id)


def parse(uow: SsoWork, issuer: str, params: Mapping[str, str]) -> AuthorizationRequest:
    """A valid request; raises ErrorPage, or RedirectedError to tell the client."""
    client_id, redirect_uri = params.get("client_id"), params.get("redirect_uri")
    with uow:
        client = uow.clients.get(client_id)
    if client is None:
        raise ErrorPage("unknown_client", f"client_id {client_id!r} is not registered")
    if not redirect_uri or redirect_uri not in client.redirect_uris:
        raise ErrorPage("bad_redirect_uri", "redirect_uri is missing or not registered exactly")
    if not client.signs_in:
        raise ErrorPage("client_closed", f"{client.name}: sign-in is {client.status}")
    state = params.get("state")

    def refuse(error: str, description: str) -> RedirectedError:
        return RedirectedError(error_redirect(issuer, redirect_uri, error, description, state))

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


def error_redirect(issuer: str, redirect_uri: str, error: str, description: str,
                   state: str | None) -> Redirect:
    return Redirect(_with_query(redirect_uri, {"error": error, "error_description": description,
                                               "state": state, "iss": issuer}))


def _with_query(uri: str, values: Mapping[str, str | None]) -> str:
    parts = urlsplit(uri)
    query = urlencode({name: value for name, value in values.items() if value is not None})
    return urlunsplit(parts._replace(query=f"{parts.query}&{query}" if parts.query else query))
