"""Signing in with a county account (R-SSO-4): the county's own form checked by its web
service, or off to the county's sign-on and back; and the one-time link of a county
identity to the teacher, confirmed with the teacher's platform password."""
from __future__ import annotations

import logging
import re

from flask import Response, request

from servicekit.api import PUBLIC
from servicekit.errors import ApplicationError
from services.sso.api import api
from services.sso.handlers import county_connectors, county_links, roaming
from services.sso.handlers.credentials import Locked
from services.sso.web.browser import (
    ARRIVAL_COOKIE,
    clear_cookie,
    form_is_genuine,
    language,
    message,
    page,
    redirect_to,
    set_cookie,
    who,
)
from services.sso.web.current import current_dependencies
from services.sso.web.onward import signed_in

log = logging.getLogger("sso.pages")
# What a county may send back as ``code`` and ``state`` (RFC 6749's VSCHAR, bounded):
# anything else never reaches the database or the county's token endpoint.
_CALLBACK_VALUE = re.compile(r"[\x20-\x7e]{1,2048}")


# What a page answers for a refusal (the page says it in words; the status is for scripts
# and logs). A link waiting no more (``arrival-expired``) is the form's mistake: 400.
_PAGE_STATUS = {"account-unavailable": 403, "not-a-teacher": 403, "already-linked": 409,
                "arrival-decided": 409, "not-found": 404}


def _status(refused: ApplicationError) -> int:
    return _PAGE_STATUS.get(refused.slug, 400)


def _county_page(county: county_connectors.Connector, error: str | None = None,
                 status: int = 200) -> Response:
    return page(current_dependencies(), "county_login.html", status=status, county_code=county.county_code,
                county_name=county.display_name, request_id=request.values.get("request"),
                error=error)


def _arrived(outcome, request_id: str | None) -> Response:
    sso = current_dependencies()
    if isinstance(outcome, county_links.Linked):
        return signed_in(outcome.account, outcome.method, request_id, outcome.county_code)
    response = redirect_to(sso.config.url(f"/login/link?arrival={outcome.arrival_id}"
                                          f"&lang={language()}"))
    set_cookie(sso, response, ARRIVAL_COOKIE, outcome.browser_secret, max_age=3600)
    return response


@api.route("/login/county/<county_code>", "GET", allow=PUBLIC,
           summary="Sign in with a county account: the county's form, or off to its own sign-on")
def county_login_page(principal, county_code):
    sso = current_dependencies()
    try:
        county = county_connectors.connector(sso.unit_of_work(), county_code)
        if county.mode == county_connectors.OIDC:
            return redirect_to(roaming.start_upstream(sso, county_code,
                                                      request.args.get("request") or None))
    except ApplicationError:  # no such county, or none that signs in this way
        return message("error_title", "county_unavailable", 404, True)
    except roaming.CountyUnavailable:
        return message("error_title", "county_unavailable", 503, True)
    return _county_page(county)


@api.route("/login/county/<county_code>", "POST", allow=PUBLIC,
           summary="County credentials, checked by the county's web service")
def county_login_submit(principal, county_code):
    sso = current_dependencies()
    try:
        county = county_connectors.connector(sso.unit_of_work(), county_code)
    except ApplicationError:
        return message("error_title", "county_unavailable", 404, True)
    if not form_is_genuine(sso):
        return _county_page(county, "bad_form", 400)
    request_id = request.form.get("request") or None
    try:
        outcome = roaming.sign_in_with_service(sso, county_code, request.form.get("username", ""),
                                               request.form.get("password", ""), who(), request_id)
    except Locked:
        return _county_page(county, "locked", 429)
    except roaming.CountyUnavailable:
        return _county_page(county, "county_unavailable", 503)
    except ApplicationError as refused:
        return message("error_title", "account_unavailable", _status(refused), True)
    if outcome is None:
        return _county_page(county, "county_refused")
    return _arrived(outcome, request_id)


@api.route("/login/county/<county_code>/callback", "GET", allow=PUBLIC,
           summary="Return from a county's own OpenID Connect sign-on")
def county_callback(principal, county_code):
    sso = current_dependencies()
    code, state = request.args.get("code", ""), request.args.get("state", "")
    if not (_CALLBACK_VALUE.fullmatch(code) and _CALLBACK_VALUE.fullmatch(state)
            and _CALLBACK_VALUE.fullmatch(county_code)):
        # No code: the county said no (``error``) or the browser came by itself.
        return message("error_title", "bad_form", 400, True)
    try:
        outcome, request_id = roaming.finish_upstream(sso, county_code, code, state)
    except roaming.SignOnNotPending:
        return message("error_title", "bad_form", 400, True)
    except roaming.CountyUnavailable as error:
        log.warning("county sign-on refused", extra={"county": county_code, "why": str(error)})
        return message("error_title", "county_unavailable", 502, True)
    except ApplicationError as refused:
        return message("error_title", "account_unavailable", _status(refused), True)
    return _arrived(outcome, request_id)


def _link_page(arrival: dict, error: str | None = None, status: int = 200) -> Response:
    sso = current_dependencies()
    names = {c.county_code: c.display_name
             for c in county_connectors.connectors(sso.unit_of_work(), enabled_only=False)}
    return page(sso, "link.html", status=status, arrival_id=arrival["arrival_id"],
                county_name=names.get(arrival["county_code"], arrival["county_code"]), error=error,
                proposed=arrival["status"] == county_links.PROPOSED)


@api.route("/login/link", "GET", allow=PUBLIC,
           summary="First county sign-in: confirm the link once with the platform password")
def link_page(principal):
    sso = current_dependencies()
    arrival = county_links.pending_arrival(sso.unit_of_work(), sso.clock, request.args.get("arrival"),
                                           request.cookies.get(ARRIVAL_COOKIE))
    if arrival is None:
        return message("error_title", "bad_form", 400, True)
    return _link_page(arrival)


@api.route("/login/link", "POST", allow=PUBLIC,
           summary="Link a county identity to the teacher whose platform password this is")
def link_submit(principal):
    sso = current_dependencies()
    secret = request.cookies.get(ARRIVAL_COOKIE)
    arrival = county_links.pending_arrival(sso.unit_of_work(), sso.clock, request.form.get("arrival"),
                                           secret)
    if arrival is None or not form_is_genuine(sso):
        return message("error_title", "bad_form", 400, True)
    try:
        linked = county_links.confirm_with_password(
            sso.unit_of_work(), sso.checking, arrival["arrival_id"], secret or "",
            request.form.get("username", ""), request.form.get("password", ""), who())
    except Locked:
        return _link_page(arrival, "locked", 429)
    except ApplicationError as refused:
        key = {"not-a-teacher": "link_not_teacher", "already-linked": "link_taken"}.get(
            refused.slug, "bad_form")
        return _link_page(arrival, key, _status(refused))
    if linked is None:
        return _link_page(arrival, "wrong_credentials")
    response = signed_in(linked.account, linked.method, arrival["request_id"], linked.county_code)
    clear_cookie(sso, response, ARRIVAL_COOKIE)
    return response
