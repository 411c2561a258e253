"""Where a person goes once signed in: a new session at the provider (its cookie), then on
to the client whose authorization request sent them here — or a page saying they are
signed in. Every way of signing in (password, county service, county sign-on, link) ends
here, which is what lets a county-authenticated session roam on (R-SSO-5)."""
from __future__ import annotations

from flask import Response, request

from services.sso.domain.accounts import Account
from services.sso.handlers import authorize
from services.sso.handlers.sessions import start_session
from services.sso.web.browser import SESSION_COOKIE, message, redirect_to, set_cookie, who
from services.sso.web.current import current_dependencies


def signed_in(account: Account, method: str, request_id: str | None,
              county_code: str | None = None) -> Response:
    """The session starts; the person goes on to the client that sent them, if any."""
    sso = current_dependencies()
    cookie, session = start_session(sso.unit_of_work(), sso.clock, sso.config.session_seconds,
                                    account, method, who(), county_code,
                                    replacing=request.cookies.get(SESSION_COOKIE))
    try:
        onward = sso.authorizer.complete_pending(request_id, session) if request_id else None
    except authorize.ErrorPage as error:
        response = message("error_title", error.message_key, 400, True, error.detail)
    else:
        response = redirect_to(onward.url) if onward else message("sign_in_title", "signed_in")
    set_cookie(sso, response, SESSION_COOKIE, cookie, max_age=sso.config.session_seconds)
    return response
