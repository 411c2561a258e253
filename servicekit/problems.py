"""Errors as ``application/problem+json`` (RFC 9457).

Every error kind has a stable ``type``: ``urn:inservice:problem:<slug>``. Clients
branch on the type, never on the human-readable title or detail.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

from servicekit import errors

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:inservice:problem:"


class Problem(Exception):
    """An error a client is meant to see. Raise it anywhere under a request."""

    def __init__(self, status: int, slug: str, title: str, detail: str | None = None,
                 headers: dict[str, str] | None = None, **extensions: Any) -> None:
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions

    @property
    def type(self) -> str:
        return TYPE_PREFIX + self.slug

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body


def problem_response(problem: Problem, instance: str | None = None) -> Response:
    # The spacing problems were always written with (the app's provider writes compact
    # JSON unless asked for it).
    response = Response(json.dumps(problem.to_dict(instance), separators=(", ", ": ")),
                        status=problem.status, mimetype=MEDIA_TYPE)
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


# Werkzeug's own HTTP errors (routing, method, body size) keep their status and get a slug.
_HTTP_SLUGS = {
    400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found",
    405: "method-not-allowed", 406: "not-acceptable", 409: "conflict", 413: "payload-too-large",
    415: "unsupported-media-type", 422: "unprocessable", 429: "rate-limited",
    500: "internal-error", 502: "bad-gateway", 503: "service-unavailable", 504: "gateway-timeout",
}


def from_http_exception(error: HTTPException) -> Problem:
    status = error.code or 500
    return Problem(status, _HTTP_SLUGS.get(status, f"http-{status}"), error.name,
                   error.description if status < 500 else None)


# The one place an application error's kind becomes an HTTP status.
STATUS_OF_KIND: dict[type[errors.ApplicationError], int] = {
    errors.BadRequest: 400,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.TooLarge: 413,
    errors.UnsupportedMedia: 415,
    errors.Invalid: 422,
    errors.LimitReached: 429,
    errors.Unavailable: 503,
}


def status_of(error: errors.ApplicationError) -> int:
    for kind, status in STATUS_OF_KIND.items():
        if isinstance(error, kind):
            return status
    return 500  # a bare ApplicationError: a kind nobody mapped is a fault of ours


def problem_of(error: errors.ApplicationError) -> Problem:
    status = status_of(error)
    headers: dict[str, str] = {}
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return Problem(status, error.slug, error.title, error.detail, headers=headers, **error.facts)


def install_problem_handlers(app: Flask) -> None:
    """Every error leaving the app, expected or not, is problem+json."""
    from flask import request
    from marshmallow import ValidationError

    @app.errorhandler(Problem)
    def _problem(error: Problem) -> Response:
        return problem_response(error, request.path)

    @app.errorhandler(errors.ApplicationError)
    def _refused(error: errors.ApplicationError) -> Response:
        return problem_response(problem_of(error), request.path)

    @app.errorhandler(ValidationError)
    def _invalid(error: ValidationError) -> Response:
        return problem_response(validation_failed(error.normalized_messages()), request.path)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        return problem_response(from_http_exception(error), request.path)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        from servicekit import outage

        dependency = outage.dependency_of(error)
        if dependency is not None:  # said once per outage, not a stack trace per request
            outage.tracker(app.name, dependency).failed(
                error, "answering 503 dependency-unavailable until it is back")
            return problem_response(dependency_unavailable(), request.path)
        # Flask calls this inside its `except`, so the traceback is there to log.
        app.logger.exception("unhandled error")  # noqa: LOG004
        return problem_response(Problem(500, "internal-error", "Internal Server Error"), request.path)


def validation_failed(errors: Any) -> Problem:
    return Problem(422, "validation-failed", "The request is not valid",
                   "See `errors` for each field.", errors=errors)


# Seconds a client is asked to wait while the service cannot reach its database or broker.
DEPENDENCY_RETRY_AFTER = 5


def dependency_unavailable() -> Problem:
    """The service is up but a server it needs (database, broker) is not: try again."""
    return Problem(503, "dependency-unavailable", "Service temporarily unavailable",
                   "The service cannot reach a server it needs; try again shortly.",
                   headers={"Retry-After": str(DEPENDENCY_RETRY_AFTER)})


def unauthenticated(detail: str) -> Problem:
    return Problem(401, "unauthenticated", "Authentication required", detail,
                   headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def forbidden(detail: str) -> Problem:
    return Problem(403, "forbidden", "Not allowed", detail)


def not_found(detail: str) -> Problem:
    return Problem(404, "not-found", "Not found", detail)


def conflict(slug: str, title: str, detail: str | None = None, **extensions: Any) -> Problem:
    return Problem(409, slug, title, detail, **extensions)
