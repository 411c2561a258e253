"""The sign-in page (platform username and password) and RP-initiated logout. Declared
through the kit's ``ServiceApi`` as PUBLIC pages; every form is CSRF-protected
(web/browser.py)."""
from __future__ import annotations

from flask import Response, request

from servicekit.api import PUBLIC
from services.sso.api import api
from services.sso.handlers import authorize, county_connectors, logout
from services.sso.handlers.credentials import Locked, check_password
from services.sso.handlers.sessions import current_session
from services.sso.web.browser import (
    SESSION_COOKIE,
    clear_cookie,
    form_is_genuine,
    language,
    message,
    page,
    redirect_to,
    who,
)
from services.sso.web.current import current_dependencies
from services.sso.web.onward import signed_in


def _login_page(error: str | None = None, status: int = 200, username: str = "") -> Response:
    sso = current_dependencies()
    request_id = request.values.get("request")
    authorizer = sso.authorizer
    pending = authorizer.load_pending(request_id)
    client = authorizer.client_of_pending(pending)
    return page(sso, "login.html", status=status,
                lang=language(pending.ui_locales if pending else None),
                request_id=request_id if pending else None, error=error, username=username,
                client_name=client.name if client else None,
                counties=county_connectors.connectors(sso.unit_of_work()))


@api.route("/login", "GET", allow=PUBLIC, summary="Sign-in page (zh-TW by default, lang=en)")
def login_page(principal):
    return _login_page()


@api.route("/login", "POST", allow=PUBLIC,
           summary="Sign in with username and password (form fields username, password)")
def login_submit(principal):
    sso = current_dependencies()
    if not form_is_genuine(sso):
        return _login_page("bad_form", 400)
    username = request.form.get("username", "")
    try:
        account = check_password(sso.unit_of_work(), sso.checking, username,
                                 request.form.get("password", ""), who())
    except Locked:
        response = _login_page("locked", 429, username)
        response.headers["Retry-After"] = str(sso.config.lockout_seconds)
        return response
    if account is None:
        return _login_page("wrong_credentials", 200, username)
    return signed_in(account, "password", request.form.get("request") or None)


# -- RP-initiated logout ------------------------------------------------------------------------
_CARRIED = ("id_token_hint", "post_logout_redirect_uri", "state", "client_id")


def _logout() -> Response:
    sso = current_dependencies()
    params = request.values
    try:
        wanted = logout.parse(sso.unit_of_work(), sso.verified_hint, params)
    except authorize.ErrorPage as error:
        return message("error_title", error.message_key, 400, True, error.detail)
    session = current_session(sso.unit_of_work(), sso.clock, request.cookies.get(SESSION_COOKIE))
    confirmed = request.method == "POST" and form_is_genuine(sso)
    if session is not None and not (confirmed or
                                    wanted.confirmed_by_hint(session, sso.config.pairwise_secret)):
        return page(sso, "logout.html", carried={name: params[name] for name in _CARRIED
                                                  if params.get(name)})
    if session is not None:
        logout.log_out(sso.unit_of_work(), sso.logout_sender, session, wanted.client)
    onward = wanted.redirect_url()
    response = redirect_to(onward) if onward else message("logout_title", "signed_out")
    clear_cookie(sso, response, SESSION_COOKIE)
    return response


@api.route("/logout", "GET", allow=PUBLIC,
           summary="RP-initiated logout (id_token_hint, post_logout_redirect_uri, state)")
def logout_get(principal):
    return _logout()


@api.route("/logout", "POST", allow=PUBLIC, summary="RP-initiated logout, form-encoded")
def logout_post(principal):
    return _logout()
