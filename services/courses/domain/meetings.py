"""The meeting-as-training check (R-CRS-10): which titles name a meeting, and which are
nothing but a meeting's name (``115學年度第1學期校務會議``: no training topic at all), which the
report lists apart."""
from __future__ import annotations

import re
from collections.abc import Iterable

from services.courses.domain.courses import meeting_keywords

# What may surround a meeting's name without making the title about anything else: the
# school year or term it was held in, its number, and punctuation.
_ONLY_DATING = re.compile(r"^(?:[\W\d_]|學年度|年度|學年|學期|上|下|第|次|期初|期末|"
                          r"[一二三四五六七八九十]|臨時)*$")


def meeting_only(title: str, keywords: Iterable[str]) -> bool:
    """The title names a meeting and, the names taken out, holds no other word."""
    found = meeting_keywords(title, keywords)
    if not found:
        return False
    rest = title
    for keyword in found:
        rest = rest.replace(keyword, "")
    return bool(_ONLY_DATING.match(rest))
