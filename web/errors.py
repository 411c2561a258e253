"""Every error a person meets is a page in their language, never a stack trace or JSON:
404 for what does not exist or what they may not see (alike), 503 when the platform's API
is down, and a sign-in (then back to the page) when their session has ended, a form sent
after it ended too."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from web.api import ApiUnavailable
from web.auth import SignInNeeded, person, sign_in_url

log = logging.getLogger("web.errors")


def wants_json() -> bool:
    """The page's own script asks for JSON (static/enrol.js); a plain form does not."""
    return request.accept_mimetypes.best == "application/json"


def _page_of_the_form() -> str:
    """The page a form was sent from: its ``back`` field, else the referrer's path (only a
    path: ``sign_in_url`` keeps it on this site), else the front page."""
    if request.form.get("back"):
        return str(request.form["back"])
    referrer = urlsplit(request.referrer or "")
    return referrer.path + (f"?{referrer.query}" if referrer.query else "") or "/"


def install(app: Flask) -> None:
    @app.errorhandler(SignInNeeded)
    def _sign_in(error: SignInNeeded) -> ResponseReturnValue:
        target = sign_in_url(error.back_to)
        if wants_json():
            return jsonify(sign_in=target), 401
        return redirect(target)

    @app.errorhandler(ApiUnavailable)
    def _api_down(error: ApiUnavailable) -> ResponseReturnValue:
        log.warning("the platform's API is not answering", extra={"reason": str(error)})
        return render_template("errors/unavailable.html"), 503

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> ResponseReturnValue:
        if person() is None:  # the session ended while the form was open: sign in again
            return _sign_in(SignInNeeded(_page_of_the_form()))
        return render_template("errors/expired_form.html"), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        template = "errors/not_found.html" if status in (403, 404, 405) else "errors/other.html"
        return render_template(template, status=status), 404 if status == 403 else status

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        log.error("page failed", exc_info=error)
        return render_template("errors/other.html", status=500), 500
