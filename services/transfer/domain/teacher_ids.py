"""The teacher identifiers a source reports: a national ID (身分證字號) or a resident
certificate number (居留證統一證號), checked by their check digit before anything is
looked up. The same rule as the accounts service's (services share contracts, not code).
Nothing here keeps, logs or echoes a number."""
from __future__ import annotations

import unicodedata

_CODES = {letter: code for code, letter in enumerate("ABCDEFGHJKLMNPQRSTUVXYWZIO", 10)}
_LETTER = {letter: code // 10 + (code % 10) * 9 for letter, code in _CODES.items()}
_OLD_SECOND = {letter: (_CODES[letter] % 10) * 8 for letter in "ABCD"}
# The sum, read in table lookups rather than computed digit by digit (a file checks
# 200,000 numbers; this takes half the time): the first two characters' share (the letter's
# code weighted 1 and 9; the second weighted 8, or for an old resident certificate its
# letter's code's last digit weighted 8), then each pair of the next eight digits' share
# (weights 7 and 6, 5 and 4, 3 and 2, 1 and the check digit's 1). A pair that is not two
# ASCII digits is in no table.
_HEADS = {**{letter + second: weight + int(second) * 8
             for letter, weight in _LETTER.items() for second in "1289"},
          **{letter + second: weight + share
             for letter, weight in _LETTER.items() for second, share in _OLD_SECOND.items()}}
_PAIRS = tuple({f"{a}{b}": first * a + second * b for a in range(10) for b in range(10)}
               for first, second in ((7, 6), (5, 4), (3, 2), (1, 1)))


def normalised(raw: object) -> str | None:
    """The number in its one spelling (NFKC, upper case, trimmed), or None when it is not
    a valid national ID or resident certificate number."""
    if not isinstance(raw, str):
        return None
    # NFKC leaves ASCII as it is: only a number typed otherwise (full-width) is normalised.
    number = (raw if raw.isascii() else unicodedata.normalize("NFKC", raw)).strip().upper()
    if len(number) != 10:
        return None
    first, second, third, fourth = _PAIRS
    try:
        total = (_HEADS[number[:2]] + first[number[2:4]] + second[number[4:6]]
                 + third[number[6:8]] + fourth[number[8:]])
    except KeyError:  # not a letter and a second character the rule knows, or not digits
        return None
    return None if total % 10 else number


def with_check_digit(first_nine: str) -> str:
    """The full number for nine leading characters (test and benchmark data)."""
    for digit in "0123456789":
        if normalised(first_nine + digit):
            return first_nine + digit
    raise ValueError("no check digit completes these characters")
