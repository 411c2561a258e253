"""Setting a password through a one-time link mailed to the account's address: asking
for one when it is forgotten, and using it (handlers/password_setup.py)."""
from __future__ import annotations

from flask import Response, request

from servicekit.api import PUBLIC
from servicekit.errors import ApplicationError
from services.sso.api import api
from services.sso.handlers import password_setup
from services.sso.web.browser import form_is_genuine, message, page, who
from services.sso.web.current import current_dependencies


@api.route("/login/forgot", "GET", allow=PUBLIC, summary="Ask for a link to set a new password")
def forgot_page(principal):
    return page(current_dependencies(), "forgot.html")


@api.route("/login/forgot", "POST", allow=PUBLIC,
           summary="Send a password link to the account's e-mail (the same answer for any login)")
def forgot_submit(principal):
    sso = current_dependencies()
    if not form_is_genuine(sso):
        return page(sso, "forgot.html", status=400)
    password_setup.request_reset(sso.unit_of_work(), sso.checking, sso.mailing,
                                 request.form.get("username", ""), who())
    return page(sso, "forgot.html", sent=True)


def _setup_page(token: str, error: str | None = None, status: int = 200,
                detail: str = "") -> Response:
    return page(current_dependencies(), "setup.html", status=status, token=token, error=error,
                detail=detail)


@api.route("/login/setup", "GET", allow=PUBLIC, summary="Set a password with a one-time link")
def setup_page(principal):
    token = request.args.get("token", "")
    sso = current_dependencies()
    if not password_setup.token_is_open(sso.unit_of_work(), sso.clock, token):
        return message("setup_title", "setup_expired", 400, True)
    return _setup_page(token)


@api.route("/login/setup", "POST", allow=PUBLIC,
           summary="The new password (fields password, again)")
def setup_submit(principal):
    sso = current_dependencies()
    token = request.form.get("token", "")
    if not form_is_genuine(sso):
        return _setup_page(token, "bad_form", 400)
    if request.form.get("password", "") != request.form.get("again"):
        return _setup_page(token, "setup_mismatch", 400)
    try:
        password_setup.set_password(sso.unit_of_work(), sso.clock, sso.passwords, sso.sign_out, token,
                                    request.form.get("password", ""), who())
    except ApplicationError as refused:
        if refused.slug == "weak-password":
            return _setup_page(token, "setup_weak", 422, refused.detail or "")
        return message("setup_title", "setup_expired", 400, True)
    return message("setup_title", "setup_done")
