"""The catalogue's cross search (R-CRS-9): how text becomes index terms, how a keyword
becomes the terms it needs, and what a search may ask for. Plain Python.

Chinese has no spaces and most search words are two characters (防災, 性平, 閱讀), which
trigram indexes cannot serve. Text is indexed as Lucene's CJK bigram filter does: every
run of letters and digits gives its single characters and its overlapping pairs. A
keyword of one character looks up that character; a longer one looks up all its pairs,
and the candidates are then confirmed with ``LIKE`` on the normalised text, since pairs
present in any order do not make the word."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

# Letters and digits make words; everything else (spaces, punctuation, full-width
# brackets, ``_``) separates them, so a keyword of punctuation only is no keyword.
_SEPARATORS = re.compile(r"[\W_]+")
# A keyword shaped like a course code (``2026-000123``) is looked up by code.
CODE_SHAPE = re.compile(r"^\d{4}-\d{1,9}$")

# What a term of the index is prefixed with, by the field it comes from (title: none).
LECTURER, AUDIENCE = "l:", "a:"

KEYWORD_MAX = 50  # characters of ``q``, ``unit`` and ``lecturer``
PER_PAGE_MAX = 100
SORTS = ("start_date", "newest", "title", "relevance")
FACETS = ("county", "category", "tag", "time_slot")


def runs(text: str) -> list[str]:
    """The text's runs of letters and digits, folded (NFKC: full-width Latin and digits
    to half-width; lower case), in order."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return [run for run in _SEPARATORS.split(folded) if run]


def normalised(text: str) -> str:
    """What ``LIKE`` confirms against: the runs, one space between (no run holds one, so a
    confirmed keyword never spans two runs)."""
    return " ".join(runs(text))


def grams(run: str) -> set[str]:
    """A run's single characters and overlapping pairs (the CJK bigram filter's terms,
    with the unigrams kept so that a one-character keyword finds its courses)."""
    return set(run) | {run[i:i + 2] for i in range(len(run) - 1)}


def keyword_grams(run: str) -> set[str]:
    """The terms a keyword run needs: itself if one character, else its pairs."""
    return {run} if len(run) == 1 else {run[i:i + 2] for i in range(len(run) - 1)}


def document_terms(title: str, lecturers: Iterable[str], audiences: Iterable[str]) -> set[str]:
    """Every term a course is found by: its title's grams, its lecturers' (prefixed) and
    its audiences' codes (prefixed)."""
    terms: set[str] = set()
    for run in runs(title):
        terms |= grams(run)
    for name in lecturers:
        for run in runs(name):
            terms |= {LECTURER + gram for gram in grams(run)}
    terms |= {AUDIENCE + code for code in audiences}
    return terms


@dataclass(frozen=True)
class Keyword:
    """A keyword as the index serves it: the runs ``LIKE`` confirms and the terms the
    index is asked for. No runs: an empty keyword (punctuation or spaces only)."""
    runs: tuple[str, ...]

    @classmethod
    def of(cls, text: str | None) -> Keyword:
        return cls(tuple(dict.fromkeys(runs(text or ""))))

    @property
    def empty(self) -> bool:
        return not self.runs

    @property
    def confirmed_runs(self) -> tuple[str, ...]:
        """The runs the index alone cannot prove: three characters or more, whose pairs
        may be present apart (a run of one or two characters is a term of the index)."""
        return tuple(run for run in self.runs if len(run) > 2)

    def terms(self, prefix: str = "") -> list[str]:
        needed: set[str] = set()
        for run in self.runs:
            needed |= keyword_grams(run)
        return sorted(prefix + gram for gram in needed)


@dataclass(frozen=True)
class SearchRequest:
    """What a search asks for, checked at the edge (shapes) and by the handler (codes)."""
    today: date
    q: Keyword = Keyword(())
    code: str | None = None  # q shaped like a course code
    audience: str | None = None
    class_type: str | None = None
    nature: str | None = None
    county: str | None = None
    category: str | None = None
    subcategory: str | None = None
    subject: str | None = None
    time_slot: str | None = None
    tag: str | None = None
    unit: str | None = None  # a keyword of the organising unit's name
    lecturer: Keyword = Keyword(())
    start_from: date | None = None
    start_to: date | None = None
    include_past: bool = False
    open_now: datetime | None = None  # the instant the enrolment window must be open at
    sort: str = "start_date"
    page: int = 1
    per_page: int = 20


def code_of(text: str | None) -> str | None:
    """The course code a keyword names, if it is shaped like one."""
    stripped = unicodedata.normalize("NFKC", text or "").strip()
    return stripped if CODE_SHAPE.match(stripped) else None
