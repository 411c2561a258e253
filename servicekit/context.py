"""The correlation id of the work at hand: an HTTP request's id (assigned by the
gateway, sent as ``X-Request-Id``) or the envelope's correlation id while an event is
handled. Logs carry it, and every event recorded under it carries it on."""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

REQUEST_ID_HEADER = "X-Request-Id"
_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
# Which service is at work: several share one process in the embedded default.
_service: ContextVar[str | None] = ContextVar("service", default=None)
# A client may send any header; only a plain token of sane length is carried on.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def new_id() -> str:
    return uuid.uuid4().hex


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def acceptable_id(value: str | None) -> str | None:
    return value if value and _ACCEPTABLE.match(value) else None


@contextmanager
def correlation(value: str | None) -> Iterator[str]:
    current = value or new_id()
    token = _correlation_id.set(current)
    try:
        yield current
    finally:
        _correlation_id.reset(token)


def bind(value: str) -> Token[str | None]:
    return _correlation_id.set(value)


def unbind(token: Token[str | None]) -> None:
    _correlation_id.reset(token)


def current_service() -> str | None:
    return _service.get()


def bind_service(name: str) -> None:
    """For the rest of this thread or request: logs say this service is speaking."""
    _service.set(name)
