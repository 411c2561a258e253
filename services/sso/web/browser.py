"""What the sign-in pages share: rendering, cookies and the forms' CSRF tokens.

Cookies are HttpOnly, SameSite=Lax (the authorization request arrives as a top-level
navigation from the partner site, which Lax lets through) and Secure when the issuer is
https. Each form carries an HMAC of a random cookie value (double submit), so another
site cannot post a sign-in, link or logout in someone's name.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Response, request
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.sso.dependencies import SsoDependencies
from services.sso.handlers.credentials import Client
from services.sso.web.current import current_dependencies
from services.sso.web.i18n import pick, translator

SESSION_COOKIE = "sso_session"
FORM_COOKIE = "sso_form"
ARRIVAL_COOKIE = "sso_arrival"

_templates = Environment(loader=FileSystemLoader(Path(__file__).parent.parent / "templates"),
                         autoescape=select_autoescape(["html"]), trim_blocks=True,
                         lstrip_blocks=True)

# Pages that hold a form or a token in flight are never cached or framed.
_PAGE_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache",
                 "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
                 # No form-action: browsers apply it to the redirect after the form, which goes to
                 # the client's redirect URI.
                 "Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'; "
                                            "frame-ancestors 'none'"}


def language(ui_locales: str | None = None) -> str:
    return pick(request.values.get("lang"), ui_locales)


def page(sso: SsoDependencies, template: str, status: int = 200, lang: str | None = None,
         **context: Any) -> Response:
    lang = lang or language()
    form_value = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(16)
    carried = {name: value for name, value in request.args.items() if name == "request"}
    html = _templates.get_template(template).render(
        t=translator(lang), lang=lang, csrf=_form_token(sso, form_value),
        lang_query=urlencode(carried) + "&" if carried else "", **context)
    response = Response(html, status=status, mimetype="text/html")
    response.headers.update(_PAGE_HEADERS)
    if request.cookies.get(FORM_COOKIE) != form_value:
        set_cookie(sso, response, FORM_COOKIE, form_value, max_age=None)
    return response


def form_is_genuine(sso: SsoDependencies) -> bool:
    value = request.cookies.get(FORM_COOKIE)
    sent = request.form.get("csrf", "")
    if not value:
        return False
    return hmac.compare_digest(_form_token(sso, value), sent)


def _form_token(sso: SsoDependencies, value: str) -> str:
    return hmac.new(sso.config.form_secret, value.encode(), hashlib.sha256).hexdigest()


def redirect_to(url: str) -> Response:
    """A 302 with an empty body. (Through the gateway a redirect's body never arrives:
    requests reads it off the upstream connection before the gateway streams it on, and
    the client waits for bytes that Content-Length announced — until keep-alive ends.)"""
    return Response(status=302, headers={"Location": url, "Cache-Control": "no-store",
                                         "Pragma": "no-cache"})


def set_cookie(sso: SsoDependencies, response: Response, name: str, value: str,
               max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True,
                        secure=sso.config.secure_cookies, samesite="Lax")


def clear_cookie(sso: SsoDependencies, response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, secure=sso.config.secure_cookies,
                           samesite="Lax")


def who() -> Client:
    """The address the gateway saw (it sets X-Forwarded-For itself), for the records."""
    forwarded = request.headers.get("X-Forwarded-For", "")
    address = forwarded.split(",")[0].strip() or request.remote_addr
    return Client(address=address, user_agent=request.headers.get("User-Agent"))


def message(title: str, text: str, status: int = 200, is_error: bool = False,
            detail: str = "") -> Response:
    """A page that says one thing (signed in, signed out, an error): ``title`` and
    ``text`` are message keys (web/i18n.py)."""
    sso = current_dependencies()
    return page(sso, "message.html", status=status, title=title, message=text,
                is_error=is_error, detail=detail, home=sso.config.url("/"))
