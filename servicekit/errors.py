"""Application errors: what a use case says when it refuses, with no word of HTTP.

A handler raises one of these kinds with a stable ``slug`` (the client's branch key, the
last part of the problem type), a human title, and the facts (``detail`` and named extras).
The HTTP edge (``servicekit.problems``) maps the kind to a status, once for every service;
a command or a consumer reads the same error without a web framework around it."""
from __future__ import annotations

from typing import Any

# Members every answer has already (RFC 9457): a fact may not take their names.
RESERVED_FACTS = frozenset({"type", "title", "status", "detail", "instance"})


class ApplicationError(Exception):
    """A refusal the caller is meant to see. ``facts`` become members of the answer."""

    def __init__(self, slug: str, title: str, detail: str | None = None, *,
                 retry_after: int | None = None, **facts: Any) -> None:
        clashing = RESERVED_FACTS & facts.keys()
        if clashing:  # said where the error is made, not as a 500 where it is answered
            raise TypeError(f"facts may not be named {sorted(clashing)}: every answer has them")
        super().__init__(detail or title)
        self.slug = slug
        self.title = title
        self.detail = detail
        self.retry_after = retry_after  # seconds, where trying again later can succeed
        self.facts = facts


class Invalid(ApplicationError):
    """The input breaks a rule (a field, a state the input asks for)."""


class NotFound(ApplicationError):
    """No such thing, or none the caller may see (the two answer alike)."""

    def __init__(self, detail: str, slug: str = "not-found", title: str = "Not found",
                 **facts: Any) -> None:
        super().__init__(slug, title, detail, **facts)


class Conflict(ApplicationError):
    """The thing's current state refuses the change (taken, locked, full, already done)."""


class Forbidden(ApplicationError):
    """The caller is known but may not do this here (role or scope)."""

    def __init__(self, detail: str, slug: str = "forbidden", title: str = "Not allowed",
                 **facts: Any) -> None:
        super().__init__(slug, title, detail, **facts)


class Unauthenticated(ApplicationError):
    """Who is asking is not established (no, expired or refused credentials)."""

    def __init__(self, detail: str, slug: str = "unauthenticated",
                 title: str = "Authentication required", **facts: Any) -> None:
        super().__init__(slug, title, detail, **facts)


class LimitReached(ApplicationError):
    """A rate, quota or lockout: the same request can succeed after ``retry_after``."""


class TooLarge(ApplicationError):
    """An upload or a batch over its limit."""


class UnsupportedMedia(ApplicationError):
    """The content is of a type this use case does not read (a file's format)."""


class Unavailable(ApplicationError):
    """A server this use case needs (a partner, a county's system) does not answer."""


class BadRequest(ApplicationError):
    """The request cannot be read at all (not a field's value: its form)."""
