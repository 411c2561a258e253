"""The duplicate match rule (R-TRF-11): the same teacher in the same course reported by
two sources is one record. Two attendance records match when their courses have the same
organiser unit, the same start date and the same normalised title, and the records the
same account.

A title is normalised so that the ways two systems type the same title compare equal:

1. Unicode NFKC: full-width letters, digits and ASCII punctuation become half-width
   (``（進階）`` → ``(進階)``, ``ＡＢＣ１`` → ``ABC1``), compatibility forms unfold;
2. the CJK punctuation NFKC keeps is mapped to its ASCII counterpart (``、`` → ``,``,
   ``。`` → ``.``, ``「」『』“”`` → ``"``, ``‘’`` → ``'``, dashes → ``-``, ``～`` → ``~``,
   ``·・`` → ``.``);
3. every whitespace character is removed (Chinese titles are typed with and without
   spaces between words; NFKC turns the ideographic space into a plain one first);
4. case folded (``Python`` and ``PYTHON`` are one).
"""
from __future__ import annotations

import hashlib
import unicodedata

_PUNCTUATION = str.maketrans({
    "、": ",", "。": ".", "「": '"', "」": '"', "『": '"', "』": '"', "“": '"', "”": '"',
    "‘": "'", "’": "'", "—": "-", "–": "-", "‐": "-", "‑": "-", "―": "-", "〜": "~",
    "·": ".", "・": ".", "【": "[", "】": "]", "〔": "(", "〕": ")", "《": "<", "》": ">",
    "〈": "<", "〉": ">",
})


def normalised_title(title: str) -> str:
    text = unicodedata.normalize("NFKC", title).translate(_PUNCTUATION)
    return "".join(text.split()).casefold()


def title_digest(title: str) -> str:
    """The normalised title's SHA-256, 32 hex digits: a fixed width for the index, kept
    with each course (``transfer_courses.title_digest``). With the organiser and the start
    date it is the course's place under the match rule."""
    return hashlib.sha256(normalised_title(title).encode()).hexdigest()[:32]
