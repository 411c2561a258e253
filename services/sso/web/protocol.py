"""The OpenID Connect provider's protocol endpoints (R-SSO-1).

They are declared through the kit's ``ServiceApi`` as PUBLIC: the caller is not a
platform role but a browser or a client, and each endpoint authenticates it the way its
protocol says — client credentials (RFC 6749 2.3) at token, revocation and
introspection, the access token itself at userinfo, PKCE at the code redemption.
"""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from servicekit.api import PROTOCOL, PUBLIC
from servicekit.tokens import bearer_token
from services.sso.api import api
from services.sso.domain.clients import SCOPE_CLAIMS, SCOPES
from services.sso.handlers import authorize, grant_queries, machine_clients, token_endpoint
from services.sso.handlers.client_auth import OAuthError, authenticate_client
from services.sso.handlers.sessions import current_session
from services.sso.web.browser import SESSION_COOKIE, language, page, redirect_to
from services.sso.web.current import current_dependencies

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_SECRET_METHODS = ("client_secret_basic", "client_secret_post")


@api.route("/.well-known/openid-configuration", "GET", allow=PUBLIC,
           summary="OpenID Connect discovery document (the issuer is the gateway's origin)")
def discovery(principal):
    config = current_dependencies().config
    url = config.url
    return {
        "issuer": config.issuer,
        "authorization_endpoint": url("/oauth/authorize"),
        "token_endpoint": url("/oauth/token"),
        "userinfo_endpoint": url("/oauth/userinfo"),
        "jwks_uri": url("/jwks.json"),
        "revocation_endpoint": url("/oauth/revoke"),
        "introspection_endpoint": url("/oauth/introspect"),
        "end_session_endpoint": url("/logout"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token",
                                  "client_credentials"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": [*_SECRET_METHODS, "none"],
        "revocation_endpoint_auth_methods_supported": [*_SECRET_METHODS, "none"],
        "introspection_endpoint_auth_methods_supported": list(_SECRET_METHODS),
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": list(SCOPES),
        "claims_supported": sorted({"iss", "aud", "exp", "iat", "auth_time", "nonce", "amr",
                                    "sid", "at_hash", "azp"} |
                                   {c for claims in SCOPE_CLAIMS.values() for c in claims}),
        "prompt_values_supported": sorted(authorize.PROMPTS),
        "ui_locales_supported": ["zh-TW", "en"],
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "claims_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": False,
    }


@api.route("/jwks.json", "GET", allow=PUBLIC,
           summary="The public signing keys: the current one, the next one, recently retired ones")
def jwks(principal):
    response = jsonify(current_dependencies().keys.jwks())
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _authorize() -> Response:
    sso = current_dependencies()
    params = request.args if request.method == "GET" else request.form
    try:
        authorizer = sso.authorizer
        parsed = authorizer.parse(params)
        session = current_session(sso.unit_of_work(), sso.clock,
                                  request.cookies.get(SESSION_COOKIE))
        outcome = authorizer.decide(parsed, session)
    except authorize.ErrorPage as error:
        return page(sso, "message.html", status=400, title="error_title",
                    message=error.message_key, detail=error.detail, is_error=True,
                    home=sso.config.url("/"), lang=language(params.get("ui_locales")))
    except authorize.RedirectedError as error:
        return redirect_to(error.redirect.url)
    if isinstance(outcome, authorize.NeedsSignIn):
        lang = language(parsed.ui_locales)
        return redirect_to(sso.config.url(f"/login?request={outcome.request_id}&lang={lang}"))
    return redirect_to(outcome.url)


@api.route("/oauth/authorize", "GET", allow=PUBLIC,
           summary="Authorization endpoint: code flow with PKCE (S256) only")
def authorize_get(principal):
    return _authorize()


@api.route("/oauth/authorize", "POST", allow=PUBLIC,
           summary="Authorization endpoint, parameters form-encoded")
def authorize_post(principal):
    return _authorize()


def _oauth_answer(body: dict[str, Any], status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers.update({**_NO_STORE, **(headers or {})})
    return response


def _oauth_error(error: OAuthError) -> Response:
    return _oauth_answer({"error": error.error, "error_description": error.description},
                         error.status, error.headers)


@api.route("/oauth/token", "POST", allow=PUBLIC,
           summary="Token endpoint: authorization_code (with code_verifier) and refresh_token; "
                   "clients authenticate with their secret (Basic or form), the public client "
                   "with PKCE; client_credentials for the transfer service's sources")
def token(principal):
    sso = current_dependencies()
    form = request.form
    try:
        if form.get("grant_type") == machine_clients.CLIENT_CREDENTIALS:
            return _oauth_answer(machine_clients.issue_token(
                sso.unit_of_work(), sso.config, sso.keys, sso.clock, form,
                request.headers.get("Authorization")))
        if form.get("grant_type") not in ("authorization_code", "refresh_token"):
            error = "unsupported_grant_type" if form.get("grant_type") else "invalid_request"
            raise OAuthError(error, "grant_type must be authorization_code, refresh_token "
                                    "or client_credentials")
        client = authenticate_client(sso.unit_of_work(), form,
                                     request.headers.get("Authorization"))
        return _oauth_answer(token_endpoint.exchange(sso.unit_of_work(), sso.issuer, sso.keys,
                                                     client, form))
    except OAuthError as error:
        return _oauth_error(error)


@api.route("/oauth/revoke", "POST", allow=PUBLIC,
           summary="Token revocation (RFC 7009): ends the grant behind the token")
def revoke(principal):
    sso = current_dependencies()
    form = request.form
    try:
        if not form.get("token"):
            raise OAuthError("invalid_request", "token is required")
        client = authenticate_client(sso.unit_of_work(), form,
                                     request.headers.get("Authorization"))
    except OAuthError as error:
        return _oauth_error(error)
    sso.grant_queries.revoke(client, form["token"], form.get("token_type_hint"))
    return Response(status=200, headers=_NO_STORE)


@api.route("/oauth/introspect", "POST", allow=PUBLIC,
           summary="Token introspection (RFC 7662) for the client the token was issued to")
def introspect(principal):
    sso = current_dependencies()
    form = request.form
    try:
        if not form.get("token"):
            raise OAuthError("invalid_request", "token is required")
        client = authenticate_client(sso.unit_of_work(), form,
                                     request.headers.get("Authorization"), allow_public=False)
    except OAuthError as error:
        return _oauth_error(error)
    return _oauth_answer(sso.grant_queries.introspect(client, form["token"]))


def _userinfo() -> Response:
    """The access token comes in the header (RFC 6750 2.1) or, for POST, the form (2.2);
    it is a partner's (made for userinfo) or one of the platform's own clients'."""
    sso = current_dependencies()
    realm = 'Bearer realm="inservice-sso"'
    token = bearer_token(request.headers.get("Authorization"))
    if token is None and request.method == "POST":
        token = request.form.get("access_token") or None
    if token is None:  # RFC 6750 §3.1: no credentials, no error code
        return _oauth_answer({"error_description": "an access token is required"}, 401,
                             {"WWW-Authenticate": realm})
    principal = sso.verified_access_token(token)
    if principal is None:
        return _oauth_answer({"error": "invalid_token", "error_description": "not valid"}, 401,
                             {"WWW-Authenticate": f'{realm}, error="invalid_token"'})
    try:
        return _oauth_answer(sso.grant_queries.userinfo(principal))
    except grant_queries.UserinfoRefused as refused:
        return _oauth_answer({"error": "invalid_token", "error_description": str(refused)}, 401,
                             {"WWW-Authenticate": f'{realm}, error="invalid_token"'})


@api.route("/oauth/userinfo", "GET", allow=PROTOCOL,
           summary="Userinfo: the claims the access token's grant releases (bearer token)")
def userinfo_get(principal):
    return _userinfo()


@api.route("/oauth/userinfo", "POST", allow=PROTOCOL,
           summary="Userinfo, token in the header or the form")
def userinfo_post(principal):
    return _userinfo()
