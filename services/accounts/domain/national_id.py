"""National ID numbers (身分證字號) and resident certificate numbers (居留證統一證號), R-ACC-1.

Three shapes, all ten characters ending in a check digit:
- national ID: a letter, 1 or 2, seven digits, the check digit;
- resident certificate since 2021: a letter, 8 or 9, seven digits, the check digit
  (the same sum as the national ID);
- older resident certificate: two letters (the second A–D), seven digits, the check digit.

The sum: the first letter's two-digit code (A=10 … the table below) weighted 1 and 9, then
the next eight positions weighted 8 … 1 (for the old certificates the second letter counts
with its code's last digit), then the check digit weighted 1; the total divides by 10.

Nothing here keeps, logs or echoes a number: errors name what is wrong, never the value.
"""
from __future__ import annotations

import unicodedata

# Letter → code. The gaps in the alphabet were filled later: I, O, W, X, Y, Z.
LETTER_CODES = {letter: code for code, letter in enumerate("ABCDEFGHJKLMNPQRSTUVXYWZIO", 10)}
# A letter's share of the sum, computed once: tens digit × 1 + units digit × 9.
_LETTER_WEIGHT = {letter: code // 10 + (code % 10) * 9 for letter, code in LETTER_CODES.items()}
_OLD_RESIDENT_SECOND = {letter: (LETTER_CODES[letter] % 10) * 8 for letter in "ABCD"}
_DIGITS = frozenset("0123456789")

CITIZEN, RESIDENT, RESIDENT_OLD = "national_id", "resident_certificate", "resident_certificate_old"


class InvalidNationalId(ValueError):
    """``reason`` says what is wrong in words safe to show (never the number)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalise(raw: str) -> str:
    """What people type and spreadsheets hold: lower case, full-width characters (Ａ１２…),
    spaces around. NFKC folds full-width to ASCII."""
    return unicodedata.normalize("NFKC", raw).strip().upper()


def validate(raw: object) -> str:
    """The normalised number, or InvalidNationalId."""
    if not isinstance(raw, str):
        raise InvalidNationalId("must be text")
    number = normalise(raw)
    kind_of(number)
    return number


def kind_of(number: str) -> str:
    """Which shape a normalised number has; raises InvalidNationalId when it has none."""
    if len(number) != 10:
        raise InvalidNationalId("must be 10 characters")
    first, second, rest = number[0], number[1], number[2:]
    if first not in _LETTER_WEIGHT:
        raise InvalidNationalId("must start with a letter")
    if not _DIGITS.issuperset(rest):
        raise InvalidNationalId("the last eight characters must be digits")
    if second in "12":
        kind, total = CITIZEN, _LETTER_WEIGHT[first] + int(second) * 8
    elif second in "89":
        kind, total = RESIDENT, _LETTER_WEIGHT[first] + int(second) * 8
    elif second in _OLD_RESIDENT_SECOND:
        kind, total = RESIDENT_OLD, _LETTER_WEIGHT[first] + _OLD_RESIDENT_SECOND[second]
    else:
        raise InvalidNationalId("the second character must be 1, 2, 8, 9 or A–D")
    for weight, digit in zip((7, 6, 5, 4, 3, 2, 1, 1), rest, strict=True):
        total += weight * (ord(digit) - 48)
    if total % 10:
        raise InvalidNationalId("the check digit does not match")
    return kind


def with_check_digit(first_nine: str) -> str:
    """The full number for nine leading characters (synthetic test and demo data)."""
    for digit in "0123456789":
        try:
            kind_of(first_nine + digit)
            return first_nine + digit
        except InvalidNationalId:
            continue
    raise InvalidNationalId("no check digit completes these characters")
