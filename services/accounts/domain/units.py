"""Units: the schools, universities, centres and bodies that organise training (R-ORG-2)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from contracts.vocabulary import COUNTIES, UNIT_TYPES

UNIT_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
# Where teachers serve; other units organise training but employ no teachers of their own.
SCHOOL_TYPES = frozenset({
    "kindergarten", "elementary_school", "junior_high_school", "senior_high_school",
    "vocational_high_school", "special_education_school", "complete_high_school",
    "overseas_school",
})


class InvalidUnit(ValueError):
    pass


@dataclass
class Unit:
    """``authority_code`` is the supervising authority today (jurisdiction history holds
    the rest); ``county_code`` is where the unit is, which need not be its authority's
    county (a national school in Taichung, under the K-12 Administration until 2017)."""
    code: str
    name: str
    unit_type: str
    authority_code: str | None
    county_code: str | None = None
    version: int = 1

    def __post_init__(self) -> None:
        check_unit_fields(self.code, self.name, self.unit_type, self.county_code)


def check_unit_fields(code: str, name: str, unit_type: str, county_code: str | None) -> None:
    if not UNIT_CODE.match(code):
        raise InvalidUnit(f"unit code {code!r} must be 1–32 letters, digits, - or _")
    if unit_type not in UNIT_TYPES:
        raise InvalidUnit(f"unknown unit type {unit_type!r}")
    if not name.strip() or len(name) > 200:
        raise InvalidUnit("a unit needs a name of at most 200 characters")
    if county_code is not None and county_code not in COUNTIES:
        raise InvalidUnit(f"unknown county {county_code!r}")
