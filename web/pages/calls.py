"""How a page calls the API: as the person signed in (their token, refreshed when due), or
anonymously where the API answers anyone. A 401 to a token means the person's grant has
ended (signed out elsewhere, disabled): they sign in again and come back."""
from __future__ import annotations

from typing import Any

from flask import abort, request, session

from servicekit import context
from web.api import Answer
from web.auth import access_token, token_refused
from web.components import components


def as_person(method: str, path: str, **kwargs: Any) -> Answer:
    return _checked(components().api.call(method, path, access_token(), headers=_passed_on(),
                                          **kwargs), True)


def as_anyone(method: str, path: str, **kwargs: Any) -> Answer:
    """With the person's token when signed in (a reviewer sees more), without otherwise."""
    token = access_token() if session.get("tokens") else None
    return _checked(components().api.call(method, path, token, headers=_passed_on(), **kwargs),
                    token is not None)


def _passed_on() -> dict[str, str]:
    """Who the person is on the network, as the gateway told us: the gateway counts an
    anonymous person's rate limit by it when this process's address is among its
    TRUSTED_PROXIES (Kubernetes: the pod network), rather than one budget for every
    visitor of the web client. The request id ties the API's log lines to the page's."""
    passed = {}
    if request.headers.get("X-Forwarded-For"):
        passed["X-Forwarded-For"] = request.headers["X-Forwarded-For"]
    request_id = context.current_correlation_id()
    if request_id:
        passed[context.REQUEST_ID_HEADER] = request_id
    return passed


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


def safe_id(course_id: str) -> str:
    """A course id is a UUID or a code: nothing that could reach another API path."""
    if not course_id.replace("-", "").isalnum():
        abort(404)
    return course_id
