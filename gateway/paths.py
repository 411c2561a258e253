"""The request path, normalised once before anything routes it.

Whatever the gateway decides from a path (which service, which path there, whether it is
one of the services' internal endpoints) must be what the service then sees. So the path
is put in one canonical spelling before Flask's routing and the route table look at it,
and that spelling is what goes upstream:

- repeated ``/`` are collapsed (``/api/accounts//metrics`` is ``/api/accounts/metrics``);
- dot segments (``.``, ``..``, spelt plainly or percent-encoded, with or without
  ``;params``) are refused: a path that climbs out of its prefix is never what a client
  of this API means;
- encoded slashes and backslashes (``%2F``, ``%5C``) are refused: the server decodes them
  into separators before the gateway sees the path, so a segment could not carry them
  anyway, and no API path has one; a second layer of encoding (``%252e``) is refused too,
  so nothing behind the gateway that decodes once more can find a dot segment in it;
- control characters are refused.

A refusal is ``400 invalid-path`` problem+json, answered through the app (request id,
CORS) like every other error.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from servicekit.problems import Problem

INVALID_PATH = "invalid-path"
_ENVIRON_KEY = "gateway.path_problem"
_REPEATED_SLASHES = re.compile(r"/{2,}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# In the raw request line: encoded separators. In the decoded path: what is still encoded
# after the server decoded once (a dot, a slash, a backslash).
_ENCODED_SEPARATOR = re.compile(r"%(2f|5c)", re.IGNORECASE)
_STILL_ENCODED = re.compile(r"%(2e|2f|5c)", re.IGNORECASE)


def refused(detail: str) -> Problem:
    return Problem(400, INVALID_PATH, "Invalid path", detail)


def normalised(path: str, raw_uri: str | None = None) -> str:
    """``path``: as the server decoded it (WSGI ``PATH_INFO``); ``raw_uri``: the request
    target as sent, when the server tells it. Raises a 400 Problem for a refused path."""
    if raw_uri is not None and _ENCODED_SEPARATOR.search(raw_uri.split("?", 1)[0]):
        raise refused("An encoded slash or backslash is not allowed in the path.")
    if _CONTROL.search(path) or "\\" in path:
        raise refused("Control characters and backslashes are not allowed in the path.")
    if _STILL_ENCODED.search(path):
        raise refused("An encoded dot, slash or backslash is not allowed in the path.")
    path = _REPEATED_SLASHES.sub("/", "/" + path.lstrip("/"))
    if any(segment.split(";", 1)[0] in (".", "..") for segment in path.split("/")):
        raise refused("Dot segments ('.' and '..') are not allowed in the path.")
    return path


class NormalisedPaths:
    """WSGI middleware: rewrites ``PATH_INFO`` to its normal spelling before the app
    routes it, or leaves the refusal for the app to raise (``raise_refusal``)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        try:
            environ["PATH_INFO"] = normalised(environ.get("PATH_INFO") or "/", raw_uri)
        except Problem as problem:  # the path stays as sent, for the log and `instance`
            environ[_ENVIRON_KEY] = problem
        return self.app(environ, start_response)


def raise_refusal(environ: dict[str, Any]) -> None:
    """Call before anything else handles the request (a ``before_request``)."""
    problem = environ.get(_ENVIRON_KEY)
    if problem is not None:
        raise problem
