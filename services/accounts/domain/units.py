"""Units: the schools, universities, centres and bodies that organise training (R-ORG-2)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from contracts.vocabulary import UNIT_TYPES

UNIT_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class InvalidUnit(ValueError):
    pass


@dataclass
class Unit:
    code: str
    name: str
    unit_type: str
    authority_code: str
    version: int = 1

    def __post_init__(self) -> None:
        if not UNIT_CODE.match(self.code):
            raise InvalidUnit(f"unit code {self.code!r} must be 1–32 letters, digits, - or _")
        if self.unit_type not in UNIT_TYPES:
            raise InvalidUnit(f"unknown unit type {self.unit_type!r}")
        if not self.name.strip():
            raise InvalidUnit("a unit needs a name")
