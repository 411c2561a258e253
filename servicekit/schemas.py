"""Bounded numbers and moments for every schema that loads a request (query, body).

An unbounded integer reaches the database as it came: SQLite refuses anything beyond a
signed 64-bit integer with an OverflowError and PostgreSQL beyond its column's type, both
as a 500. Every integer a client sends is therefore bounded here, and the bounds are in the
OpenAPI (apispec writes ``validate.Range`` as ``minimum``/``maximum``), so clients and the
fuzzer see them too.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

# PostgreSQL's ``integer`` (the narrowest column a count, id or offset is compared with
# here), well inside SQLite's and PostgreSQL's 64-bit ``bigint``.
INT_MAX = 2**31 - 1
PAGE_SIZE_MAX = 1000
PAGE_SIZE_DEFAULT = 100


def bounded_integer(minimum: int = 0, maximum: int = INT_MAX, **kwargs: Any) -> fields.Integer:
    """An integer field a request may carry: between ``minimum`` and ``maximum``, both kept."""
    return fields.Integer(validate=validate.Range(min=minimum, max=maximum), **kwargs)


# A moment near the ends of Python's calendar (years 1 and 9999) overflows when it is
# converted to UTC: a deadline or an outage is somewhere in between.
EARLIEST_MOMENT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(3000, 1, 1, tzinfo=UTC)


def bounded_moment(**kwargs: Any) -> fields.AwareDateTime:
    """A date and time with its offset, from 1900 until the end of 2999 (UTC)."""
    return fields.AwareDateTime(validate=_within_moments, **kwargs)


def _within_moments(value: datetime) -> None:
    if not EARLIEST_MOMENT <= value < LATEST_MOMENT:
        raise ValidationError("Must be from 1900 until the end of 2999.")


class PageSchema(Schema):
    """``limit`` and ``offset`` of a list; a list's query schema extends it."""
    limit = bounded_integer(1, PAGE_SIZE_MAX, load_default=PAGE_SIZE_DEFAULT)
    offset = bounded_integer(0, INT_MAX, load_default=0)
