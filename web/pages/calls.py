"""How a page calls the API: as the person signed in (their token, refreshed when due), or
anonymously where the API answers anyone. A 401 to a token means the person's grant has
ended (signed out elsewhere, disabled): they sign in again and come back."""
from __future__ import annotations

from typing import Any

from flask import abort, session

from web.api import Answer
from web.auth import access_token, token_refused
from web.components import components


def as_person(method: str, path: str, **kwargs: Any) -> Answer:
    return _checked(components().api.call(method, path, access_token(), **kwargs), True)


def as_anyone(method: str, path: str, **kwargs: Any) -> Answer:
    """With the person's token when signed in (a reviewer sees more), without otherwise."""
    token = access_token() if session.get("tokens") else None
    return _checked(components().api.call(method, path, token, **kwargs), token is not None)


def _checked(answer: Answer, with_token: bool) -> Answer:
    if answer.status == 401 and with_token:
        token_refused()
    return answer


def found(answer: Answer) -> Any:
    """The body of an answer that must be there; 404 (and 403: not theirs) is our 404 page."""
    if answer.status in (403, 404):
        abort(404)
    if not answer.ok:
        abort(500)
    return answer.body
