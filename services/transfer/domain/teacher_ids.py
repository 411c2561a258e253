"""The teacher identifiers a source reports: a national ID (身分證字號) or a resident
certificate number (居留證統一證號), checked by their check digit before anything is
looked up. The same rule as the accounts service's (services share contracts, not code).
Nothing here keeps, logs or echoes a number."""
from __future__ import annotations

import unicodedata
from operator import mul

_CODES = {letter: code for code, letter in enumerate("ABCDEFGHJKLMNPQRSTUVXYWZIO", 10)}
_LETTER = {letter: code // 10 + (code % 10) * 9 for letter, code in _CODES.items()}
_OLD_SECOND = {letter: (_CODES[letter] % 10) * 8 for letter in "ABCD"}
_DIGITS = frozenset("0123456789")
_WEIGHTS = (7, 6, 5, 4, 3, 2, 1, 1)
_ZEROS = ord("0") * sum(_WEIGHTS)


def normalised(raw: object) -> str | None:
    """The number in its one spelling (NFKC, upper case, trimmed), or None when it is not
    a valid national ID or resident certificate number."""
    if not isinstance(raw, str):
        return None
    # NFKC leaves ASCII as it is: only a number typed otherwise (full-width) is normalised.
    number = (raw if raw.isascii() else unicodedata.normalize("NFKC", raw)).strip().upper()
    if len(number) != 10 or number[0] not in _LETTER or not _DIGITS.issuperset(number[2:]):
        return None
    second = number[1]
    if second in "1289":
        total = _LETTER[number[0]] + int(second) * 8
    elif second in _OLD_SECOND:
        total = _LETTER[number[0]] + _OLD_SECOND[second]
    else:
        return None
    # The eight digits' weighted sum over their code points, less the weighted '0's.
    total += sum(map(mul, _WEIGHTS, number[2:].encode())) - _ZEROS
    return None if total % 10 else number


def with_check_digit(first_nine: str) -> str:
    """The full number for nine leading characters (test and benchmark data)."""
    for digit in "0123456789":
        if normalised(first_nine + digit):
            return first_nine + digit
    raise ValueError("no check digit completes these characters")
