"""The operator-managed code lists a course is registered with (R-CRS-1, R-CRS-3, R-CRS-8):
what a term is, which kinds there are, and how a course's fields are checked against them.
Codes travel (in courses, events, files); labels are shown to people."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

CATEGORY, SUBCATEGORY, SUBJECT = "category", "subcategory", "subject"
CLASS_TYPE, NATURE, TIME_SLOT, AUDIENCE = "class_type", "nature", "time_slot", "audience"
TAG, RETURN_REASON = "tag", "return_reason"
# R-CRS-5 (Tainan's request): the reasons an attendee list is returned for.
ROSTER_RETURN = "roster_return"
# R-CRS-10: the meeting names a title is checked for (the label is the name).
MEETING_KEYWORD = "meeting_keyword"
KINDS = (CATEGORY, SUBCATEGORY, SUBJECT, CLASS_TYPE, NATURE, TIME_SLOT, AUDIENCE, TAG,
         RETURN_REASON, ROSTER_RETURN, MEETING_KEYWORD)
# A sub-category belongs to a category, a subject to a sub-category.
PARENT_KIND = {SUBCATEGORY: CATEGORY, SUBJECT: SUBCATEGORY}

# The class type whose courses the traffic light leaves out (R-CRS-7).
DEGREE_PROGRAMME = "degree_programme"


@dataclass(frozen=True)
class Term:
    kind: str
    code: str
    label: str
    parent_code: str | None = None
    position: int = 0
    active: bool = True
    short_label: str | None = None  # a tag's bracketed short name, e.g. [性平教育]
    basis: str | None = None  # a tag's legal basis (R-CRS-8)
    added_on: date | None = None  # the day a tag was added (R-CRS-8)


class Vocabulary:
    """The terms of every kind, as one registration or review reads them."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self._terms: dict[str, dict[str, Term]] = {kind: {} for kind in KINDS}
        for term in terms:
            self._terms.setdefault(term.kind, {})[term.code] = term

    def term(self, kind: str, code: str) -> Term | None:
        return self._terms.get(kind, {}).get(code)

    def usable(self, kind: str, code: str, parent_code: str | None = None) -> bool:
        """An active term of the kind (under ``parent_code`` for a kind that has parents)."""
        term = self.term(kind, code)
        if term is None or not term.active:
            return False
        return kind not in PARENT_KIND or term.parent_code == parent_code

    def of_kind(self, kind: str) -> list[Term]:
        return sorted(self._terms.get(kind, {}).values(), key=lambda t: (t.position, t.code))

    def active_labels(self, kind: str) -> list[str]:
        return [term.label for term in self.of_kind(kind) if term.active]

    def labels(self, kind: str, codes: Iterable[str]) -> Mapping[str, str]:
        return {code: term.label for code in codes if (term := self.term(kind, code))}
