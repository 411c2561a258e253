"""Sign-in, sign-out and the person's tokens, all kept in the server-side session.

A page that needs someone calls ``access_token()``: it refreshes the token a little
before it expires (one refresh at a time per session: the sso rotates refresh tokens and
revokes a grant whose used token comes back), and raises ``SignInNeeded`` when there is
no session or the sso says it has ended — the app then sends the person to sign in and
back to the page they were on.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Blueprint, abort, redirect, render_template, request, session
from flask.typing import ResponseReturnValue

from web.components import components
from web.i18n import current_language
from web.oidc import PendingSignIn, SignInFailed, Tokens
from web.sessions import ServerSession

bp = Blueprint("auth", __name__, url_prefix="/auth")
F = TypeVar("F", bound=Callable[..., Any])


class SignInNeeded(Exception):
    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


def safe_next(target: str | None) -> str:
    """Only a path on this site: never ``//elsewhere`` or ``https://elsewhere``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def here() -> str:
    """Where to come back to after signing in: this page, or for a form the page it was on."""
    if request.method == "GET":
        return safe_next(request.full_path.rstrip("?"))
    return safe_next(request.form.get("back"))


def sign_in_url(back_to: str) -> str:
    return "/auth/login?" + urlencode({"next": safe_next(back_to)})


def person() -> dict[str, Any] | None:
    found = session.get("person")
    return found if isinstance(found, dict) else None


def has_role(*roles: str) -> bool:
    someone = person()
    return someone is not None and any(role in someone["roles"] for role in roles)


def access_token() -> str:
    stored = session.get("tokens")
    if not stored:
        raise SignInNeeded(here())
    tokens = Tokens.from_dict(stored)
    if not tokens.expiring(time.time()):
        return tokens.access_token
    web = components()
    assert isinstance(session, ServerSession)
    with web.store.lock(session.session_id):
        # Another request of this session may have refreshed while this one waited.
        latest = web.store.load(session.session_id) or {}
        if latest.get("tokens") and not Tokens.from_dict(latest["tokens"]).expiring(time.time()):
            session["tokens"] = latest["tokens"]
            return str(latest["tokens"]["access_token"])
        try:
            renewed = web.provider.refresh(tokens)
        except SignInFailed:
            session.clear()
            raise SignInNeeded(here()) from None
        session["tokens"] = renewed.as_dict()
        web.store.save(session.session_id, dict(session), web.settings.session_seconds)
        return renewed.access_token


def token_refused() -> None:
    """The API said 401 to the session's token (its grant ended): sign in again."""
    session.clear()
    raise SignInNeeded(here())


def requires(*roles: str) -> Callable[[F], F]:
    """Signed in with one of ``roles``; anyone else sees the 404 page, as for a page that
    does not exist (a page they may not see says nothing of itself)."""
    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if person() is None:
                raise SignInNeeded(here())
            if not has_role(*roles):
                abort(404)
            return view(*args, **kwargs)
        return guarded  # type: ignore[return-value]  # same signature, wrapped
    return decorate


@bp.get("/login")
def login() -> ResponseReturnValue:
    pending = PendingSignIn.new()
    session["pending_sign_in"] = {"state": pending.state, "nonce": pending.nonce,
                                  "verifier": pending.verifier,
                                  "next": safe_next(request.args.get("next"))}
    return redirect(components().provider.authorize_url(pending, current_language()))


@bp.get("/callback")
def callback() -> ResponseReturnValue:
    pending = session.pop("pending_sign_in", None)
    code, state = request.args.get("code"), request.args.get("state")
    if not pending or not code or state != pending.get("state"):
        return render_template("sign_in_failed.html"), 400
    try:
        tokens = components().provider.exchange(
            code, PendingSignIn(pending["state"], pending["nonce"], pending["verifier"]))
    except SignInFailed:
        return render_template("sign_in_failed.html"), 400
    assert isinstance(session, ServerSession)
    session.clear()
    session.renew()
    session["tokens"] = tokens.as_dict()
    session["person"] = tokens.person()
    return redirect(safe_next(pending.get("next")))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    stored = session.get("tokens") or {}
    session.clear()
    return redirect(components().provider.end_session_url(stored.get("id_token")))
