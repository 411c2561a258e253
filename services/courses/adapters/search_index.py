"""The catalogue's search index and its queries (R-CRS-9): the terms and normalised text of
each course, rewritten whenever it is saved, the counts of the published courses per plain
filter kept with them, and the cross search over them. A keyword's terms are looked up in
an index, then confirmed with LIKE, so neither database scans the catalogue for a keyword:
on SQLite by the primary key of ``course_search_terms``, on PostgreSQL by a GIN index over
the documents' own terms (the same terms, so both find the same courses). A search by
plain filters alone (county, category, time slot, tag, the courses to come or all) answers
its total and facets from ``course_search_counts`` rather than counting courses."""
from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import Date, Text

from servicekit.db import insert_for
from services.courses.adapters import search_terms
from services.courses.adapters.orm import (
    SAMPLE_SHARES,
    course_search_counts,
    course_search_documents,
    course_search_terms,
    course_seats,
    course_tags,
    courses,
    enrolments,
    sample_range,
    unit_replica,
)
from services.courses.domain.access import PUBLISHED
from services.courses.domain.search import (
    AUDIENCE,
    FACETS,
    LECTURER,
    Keyword,
    SearchRequest,
    document_terms,
    normalised,
)

c, d, t = courses.c, course_search_documents.c, course_search_terms.c
k = course_search_counts.c
FACET_COLUMNS = {"county": c.county_code, "category": c.category, "time_slot": c.time_slot}
# A count's key, in this order: the tag filtered on ('' for none), the tag counted ('' for
# the course itself), 'y' and the year or 'm' and the year and month of its last day, or
# 'a' and 0 for every year (revision 0016: a search over every year reads one row per
# combination, not one per year since 2003), its county, category and time slot.
COUNT_KEY = ("tag", "also_tag", "span", "period", "county_code", "category", "time_slot")


def counted_key(county: str, category: str, time_slot: str, ends_on: date,
                tags: Iterable[str]) -> str:
    """What a published course is counted under (codes have no spaces)."""
    return " ".join([county, category, time_slot, ends_on.isoformat(), *sorted(set(tags))])


# What a document holds of its course while the course is published (None while not).
LISTED = ("starts_on", "ends_on", "code", "approved_at", "county_code", "category",
          "time_slot", "tags", "unit_code", "enrolment_opens_at", "enrolment_closes_at",
          "has_seats")


def listed_values(course: Any, tags: Iterable[str], enrolled: int) -> dict[str, Any]:
    """A published course's values its document holds (``course``: a row of ``courses``;
    ``enrolled``: the seats its counter says are taken)."""
    return {"starts_on": course.starts_on, "ends_on": course.ends_on, "code": course.code,
            "approved_at": course.approved_at, "county_code": course.county_code, "category": course.category,
            "time_slot": course.time_slot, "tags": " ".join(sorted(set(tags))),
            "unit_code": course.unit_code, "enrolment_opens_at": course.enrolment_opens_at,
            "enrolment_closes_at": course.enrolment_closes_at,
            "has_seats": enrolled < course.capacity}


def seats_moved(session: Session, course_id: str, before: int, after: int,
                capacity: int) -> None:
    """A course's seats taken went from ``before`` to ``after``: its document learns
    whether seats are left when that changed (the course turned full, or a seat came
    free in a full course), and only then, so that an enrolment that does not fill the
    course writes nothing here. The caller holds the course's seat counter row, which
    orders these changes as it orders the seats."""
    if (before < capacity) != (after < capacity):
        session.execute(update(course_search_documents)
                        .where(d.course_id == course_id, d.ends_on.is_not(None))
                        .values(has_seats=after < capacity))


def _counted_under(listed: dict[str, Any]) -> str:
    if listed["ends_on"] is None:
        return ""
    return counted_key(listed["county_code"], listed["category"], listed["time_slot"],
                       listed["ends_on"], (listed["tags"] or "").split())


def count_keys(counted: str) -> list[tuple[str, str, str, int, str, str, str]]:
    """The counts a course counted under ``counted`` adds one to: per tag filter (none or
    each of its tags) and tag counted (itself or each of its tags), by year, by month and
    over every year.
    Nothing for a course not counted (empty)."""
    if not counted:
        return []
    county, category, time_slot, ends, *tags = counted.split(" ")
    day = date.fromisoformat(ends)
    spans = (("y", day.year), ("m", day.year * 100 + day.month), ("a", 0))
    return [(tag, also, span, period, county, category, time_slot)
            for tag in ("", *tags) for also in ("", *tags) for span, period in spans]


def index_rows(course_id: str, title: str, lecturers: Iterable[str],
               audiences: Iterable[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A course's document row and term rows (also what bulk loaders COPY)."""
    lecturers = list(lecturers)
    terms = sorted(document_terms(title, lecturers, audiences))
    document = {"course_id": course_id, "title_text": normalised(title),
                "lecturer_text": " ".join(normalised(name) for name in lecturers),
                "terms": " ".join(terms)}
    return document, [{"term": term, "course_id": course_id} for term in terms]


# Above this many matches, a search not answered from the kept counts (one with a keyword,
# an audience, a unit, a range of days...) has its facets and total counted over a sample
# of its matches, scaled, and marked so in the answer (issue 11): the exact count of a word
# held by a tenth of 2 M courses reads 200,000 documents, and one of 10,000 matches some
# 70 ms on two cores: above that the sample answers in a few milliseconds.
APPROXIMATE_ABOVE = 10_000
# Course ids are random UUIDs, in lower-case hex: those below the prefix ``f"{n:02x}"`` are
# n/256 of the catalogue, and of any match.
SHARES = 256
FIRST_SHARES = 1  # the share that tells whether a match is large
# A search read from the courses (a range of first days over every year, a filter the
# documents lack) starts from this many times the first share: each pass builds the
# bitmap of its filters' whole index range whatever the share (the year 2015 at 2 M:
# 88,000 entries, 9 ms), so a first share that is already the sample of a large match
# (4/256 of 64,000 matches or more: 1,000) saves that match a second pass.
FIRST_SHARES_OVER_COURSES = 4
SAMPLED_MATCHES = 1_000  # the matches a large match's facets are counted over, at least
# The shares a sample may take (``SAMPLE_SHARES``): on PostgreSQL each has its own GIN
# index over the terms of its documents (revision 0016), so that a sample of a common word
# reads a posting list of its share, not the word's whole one (at 2 M, 150,000 documents
# decoded on every pass). A match just above the bound is sampled over the largest (about
# 625 of 10,000 matches).
# A large match ranked by relevance ranks its most recent matches (by last day), about this
# many or down to the page asked for (Elasticsearch bounds its result window likewise).
RANKED_WINDOW = 1_000
# On PostgreSQL, the memory a search's bitmaps may take before they turn lossy (work_mem,
# 4 MB by default): a common word's posting list at 2 M courses (150,000 documents) then
# stays exact when intersected with a share of the ids or the courses to come, instead of
# rechecking every row of each lossy page (素養導向's sample at 2 M: 350 ms, 50 ms with it).
SEARCH_WORK_MEM = "64MB"
# On PostgreSQL, what the planner counts per operator a row is tested with (0.0025 by
# default): a search's filters split each document's terms (some forty words) or match its
# folded text, and at the default the planner takes reading the 40,000 courses to come in
# the order of their last day, each tested, for cheaper than their GIN posting lists (at
# 2 M, for 教學 among them: 133 ms against 11).
SEARCH_OPERATOR_COST = "0.025"
# On PostgreSQL, a keyword's (or audience's) documents among the courses to come are read
# with the plain index scans off for that statement alone (``_documents``): the planner
# then intersects the bitmap of the recent GIN index with the range of last days, instead
# of reading every course to come in the order of its last day and splitting its terms
# (at 2 M, 教學 with a unit's name: 58 ms against 15). The cost of that split, some forty
# words a row, is what no operator cost makes it see: a word's posting list twice as long
# turned the plan over at any setting tried.
INTERSECTED = "SET LOCAL enable_indexscan = off"
INTERSECTED_DONE = "SET LOCAL enable_indexscan TO DEFAULT"


@dataclass(frozen=True)
class Estimate:
    """A large match's total and facets, estimated from a sample; ``ranked_from``: the
    last day from which on its matches are ranked (None: all are)."""
    total: int
    facets: dict[str, dict[str, int]]
    ranked_from: date | None


@dataclass(frozen=True)
class Matches:
    """An exact match read once: its facets, and the ids of the page asked for."""
    facets: dict[str, dict[str, int]]
    page: list[str]


class SearchIndex:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- keeping it up to date ----------------------------------------------------------------
    def refresh(self, course_ids: Sequence[str]) -> None:
        """Rewrites the courses' terms and text from their rows, and moves their counts, in
        the caller's transaction; a course whose indexed fields did not change (a
        submission, a review) keeps its terms, and its counts unless it was published,
        withdrawn or amended in a counted field."""
        if not course_ids:
            return
        sqlite_terms = self._dialect() != "postgresql"  # PostgreSQL: the GIN index
        kept = {row.course_id: row for row in self.session.execute(
            select(d.course_id, d.title_text, d.lecturer_text, d.terms,
                   *(d[name] for name in LISTED)).where(d.course_id.in_(course_ids)))}
        tags: dict[str, list[str]] = {}
        for course_id, tag in self.session.execute(
                select(course_tags.c.course_id, course_tags.c.tag_code)
                .where(course_tags.c.course_id.in_(course_ids))):
            tags.setdefault(course_id, []).append(tag)
        # Shared with the seat changes (``seats_moved``), so that none is lost between
        # this read and the document's write.
        enrolled = dict(self.session.execute(
            select(course_seats.c.course_id, course_seats.c.enrolled)
            .where(course_seats.c.course_id.in_(course_ids)).with_for_update(read=True)).all())
        documents, terms = [], []
        moved: Counter[tuple[Any, ...]] = Counter()
        for row in self.session.execute(
                select(c.course_id, c.title, c.lecturers, c.audiences, c.status, c.code,
                       c.starts_on, c.ends_on, c.approved_at, c.county_code, c.category,
                       c.time_slot, c.unit_code, c.enrolment_opens_at, c.enrolment_closes_at,
                       c.capacity)
                .where(c.course_id.in_(course_ids))):
            document, rows = index_rows(row.course_id, row.title, row.lecturers or [],
                                        row.audiences or [])
            listed = listed_values(row, tags.get(row.course_id, []),
                                   enrolled.get(row.course_id, 0)) \
                if row.status in PUBLISHED else dict.fromkeys(LISTED)
            document.update(listed)
            old = kept.get(row.course_id)
            if old is not None:
                moved.subtract(count_keys(_counted_under(old._asdict())))
            moved.update(count_keys(_counted_under(listed)))
            if old is not None and (old.title_text, old.lecturer_text, old.terms) == (
                    document["title_text"], document["lecturer_text"], document["terms"]):
                if any(getattr(old, name) != listed[name] for name in LISTED):
                    self.session.execute(update(course_search_documents)
                                         .where(d.course_id == row.course_id).values(listed))
                continue
            if old is not None:
                if sqlite_terms:
                    # through the primary key, term by term: the table has no index by course
                    self.session.execute(delete(course_search_terms).where(
                        t.term.in_(old.terms.split()), t.course_id == row.course_id))
                self.session.execute(delete(course_search_documents)
                                     .where(d.course_id == row.course_id))
            documents.append(document)
            if sqlite_terms:
                terms.extend(rows)
        if documents:
            self.session.execute(insert(course_search_documents), documents)
        if terms:
            self.session.execute(insert(course_search_terms), terms)
        self._count(moved)

    def _count(self, moved: Counter[tuple[Any, ...]]) -> None:
        """Adds the changes to the counts, one upsert each, in key order (two transactions
        moving the same counts lock them in the same order)."""
        upsert = insert_for(self._dialect(), course_search_counts)
        for key in sorted(key for key, n in moved.items() if n):
            statement = upsert.values(**dict(zip(COUNT_KEY, key, strict=True)),
                                      courses=moved[key])
            self.session.execute(statement.on_conflict_do_update(
                index_elements=[column.name for column in course_search_counts.primary_key],
                set_={"courses": k.courses + statement.excluded.courses}))

    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    # -- searching ----------------------------------------------------------------------------
    def begin(self) -> None:
        """Before a search's statements, in its transaction: room for exact bitmaps, the
        cost of its row filters as they are (``SEARCH_OPERATOR_COST``), no parallel
        workers (a search reads some thousands of rows: starting workers on two shared
        cores costs more than they save; a worker for the heap of an exact match was
        tried at 2 M and was slower), and each statement planned for its own values:
        psycopg prepares a statement from its fifth run on a connection, and after five
        runs PostgreSQL may keep a plan made for any value, which reads a common word's
        posting list as it would a rare one's (single runs of 教 to come: 180-270 ms
        against 40)."""
        if self._dialect() == "postgresql":
            self.session.execute(text(
                f"SELECT set_config('work_mem', '{SEARCH_WORK_MEM}', true), "
                f"set_config('cpu_operator_cost', '{SEARCH_OPERATOR_COST}', true), "
                "set_config('max_parallel_workers_per_gather', '0', true), "
                "set_config('plan_cache_mode', 'force_custom_plan', true)"))

    def keyword_conditions(self, keyword: Keyword, prefix: str, text: Any,
                           key: Any = c.course_id) -> list[ColumnElement[bool]]:
        """The courses having every term of the keyword, from the index, then each run of
        three characters or more confirmed in the text (a run of one or two is a term
        itself: the index alone is exact for it, and most Chinese words are two)."""
        if keyword.empty:
            return []
        return [self.having(keyword.terms(prefix), key)] + [
            text.contains(run, autoescape=True) for run in keyword.confirmed_runs]

    def conditions(self, request: SearchRequest, published: Iterable[str]
                   ) -> list[ColumnElement[bool]]:
        """Every filter of the request, to be intersected (R-CRS-9), over the courses."""
        return self._filters(request, c.status.in_(sorted(published)), on_documents=False)

    def _filters(self, request: SearchRequest, published: ColumnElement[bool],
                 on_documents: bool) -> list[ColumnElement[bool]]:
        """The one list of filters, over the courses or over the documents' copy of them
        (``from_documents`` searches: the documents hold every filter such a search has;
        the keywords are the documents' on both)."""
        rows = d if on_documents else c
        where = [published]
        if not request.include_past:
            where.append(rows.ends_on >= self._day(request.today))
        if request.county is not None:
            # Among the terms looked up (``search_terms``), on PostgreSQL; a column else.
            where.append(self.having([search_terms.COUNTY + request.county])
                         if self._dialect() == "postgresql" and _looks_up(request)
                         else rows.county_code == request.county)
        for value, name in ((request.class_type, "class_type"), (request.nature, "nature"),
                            (request.category, "category"),
                            (request.subcategory, "subcategory"), (request.subject, "subject"),
                            (request.time_slot, "time_slot")):
            if value is not None:
                where.append(rows[name] == value)
        if request.audience is not None:
            where.append(self.having([AUDIENCE + request.audience], rows.course_id))
        if request.tag is not None:
            where.append((literal(" ") + d.tags + literal(" ")).contains(
                f" {request.tag} ", autoescape=True) if on_documents else
                c.course_id.in_(select(course_tags.c.course_id)
                                .where(course_tags.c.tag_code == request.tag)))
        if request.code is not None:
            where.append(rows.code == request.code)
        else:
            where += self.keyword_conditions(request.q, "", d.title_text, rows.course_id)
        where += self.keyword_conditions(request.lecturer, LECTURER, d.lecturer_text,
                                         rows.course_id)
        if request.unit:
            where.append(rows.unit_code.in_(_units_named(request.unit)))
        if request.start_from is not None:
            where.append(rows.starts_on >= request.start_from)
        if request.start_to is not None:
            where.append(rows.starts_on <= request.start_to)
        if request.open_now is not None:
            now = request.open_now
            where += [rows.enrolment_opens_at <= now, rows.enrolment_closes_at > now]
            where.append(d.has_seats.is_(True) if on_documents else ~exists().where(
                course_seats.c.course_id == c.course_id, course_seats.c.enrolled >= c.capacity))
        return where

    def _day(self, day: date) -> Any:
        """A first last day a search asks for (today, a ranked window's), written into the
        statement on PostgreSQL: a day it knows when planning lets it look keywords up in
        the GIN index of the recent documents (a partial index over those ending from
        1 January of last year, adapters/recent_index.py), not in the whole one. Bound
        on SQLite (its dates are text)."""
        if self._dialect() == "postgresql":
            return literal_column(f"DATE '{day.isoformat()}'", Date)
        return day

    def having(self, terms: list[str], key: Any = c.course_id) -> ColumnElement[bool]:
        """The courses having every term. On PostgreSQL, on the joined documents (see
        ``source``): the planner reads the GIN index over their terms (posting lists
        intersected in the index) for a rare term, or checks the terms of the courses
        other filters found (the courses to come) for a common one. On SQLite, the ids
        from the primary key of ``course_search_terms``."""
        if self._dialect() == "postgresql":
            return search_terms.indexed(d.terms, d.county_code).op("@>")(
                literal(sorted(terms), ARRAY(Text)))
        return key.in_(_having_terms(terms))

    def counted_facets(self, request: SearchRequest) -> dict[str, dict[str, int]] | None:
        """The facets of a search by plain filters alone, from the counts: all years for
        one with the courses that have ended, else the months after this one, and this
        month's courses still to come counted over their documents (a range of their
        ``ends_on``). None for any other search."""
        if not counted(request):
            return None
        on = [k.tag == (request.tag or "")]
        for value, column in ((request.county, k.county_code), (request.category, k.category),
                              (request.time_slot, k.time_slot)):
            if value is not None:
                on.append(column == value)
        today = request.today
        if request.include_past:
            on.append(k.span == "a")
        else:
            on += [k.span == "m", k.period > today.year * 100 + today.month]
        found: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
        for also, county, category, slot, n in self.session.execute(
                select(k.also_tag, k.county_code, k.category, k.time_slot, func.sum(k.courses))
                .where(*on).group_by(k.also_tag, k.county_code, k.category, k.time_slot)):
            if also:
                found["tag"][also] += int(n)
            else:
                found["county"][county] += int(n)
                found["category"][category] += int(n)
                found["time_slot"][slot] += int(n)
        if not request.include_past:
            # This month's courses to come: one pass over their documents, through the
            # documents' index on the last day (they hold every plain filter), rather than
            # two over the courses (their columns, then their tags).
            month_end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
            for name, values in self._document_facets(request, d.ends_on <= month_end).items():
                found[name].update(values)
        return {name: {value: n for value, n in sorted(found[name].items()) if n > 0}
                for name in FACETS}

    def facets(self, request: SearchRequest, where: list[ColumnElement[bool]]
               ) -> dict[str, dict[str, int]]:
        """Counts per county, category, tag and time slot over the filtered set: its
        three columns grouped together (summed here), and its tags; a keyword search by
        plain filters alone counts over the documents alone."""
        if self.from_documents(request):
            return self._document_facets(request)
        counted: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        for kind, *values, n in self.session.execute(self._course_facets(request, where)):
            if kind == "tag":  # its row: the tag, then nothing for the other two columns
                counted["tag"][str(values[0])] = int(n)
                continue
            for name, value in zip(FACET_COLUMNS, values, strict=True):
                counted[name][str(value)] = counted[name].get(str(value), 0) + int(n)
        return {name: dict(sorted(counted[name].items())) for name in FACETS}

    def _course_facets(self, request: SearchRequest, where: list[ColumnElement[bool]]
                       ) -> Any:
        """The statement counting the courses found by county, category and time slot,
        and by tag (its rows: 'course' or 'tag', then the three values or the tag). On
        PostgreSQL the courses are found once (a common table, read by both counts) and
        their tags looked up by the ids found as an array in the tags' primary key (joined,
        the planner hashes every tag of the catalogue); on SQLite, joined."""
        tag = course_tags.c.tag_code
        columns = list(FACET_COLUMNS.values())
        if self._dialect() == "postgresql":
            found = self.source(request).with_only_columns(c.course_id, *columns) \
                .where(*where).cte("found")
            f = found.c
            by_columns = select(literal("course"), f.county_code, f.category, f.time_slot,
                                func.count()).group_by(f.county_code, f.category, f.time_slot)
            tags = select(course_tags.c.course_id.label("course_id"), tag).where(
                course_tags.c.course_id == func.any(func.array(
                    select(f.course_id).scalar_subquery()))).subquery()
            by_tag = select(literal("tag"), tags.c.tag_code, null(), null(),
                            func.count()).group_by(tags.c.tag_code)
            return union_all(by_columns, by_tag)
        by_columns = self.source(request).with_only_columns(
            literal("course"), *columns, func.count()).where(*where).group_by(*columns)
        by_tag = (self.source(request).join(course_tags, course_tags.c.course_id == c.course_id)
                  .with_only_columns(literal("tag"), tag, null(), null(), func.count())
                  .where(*where).group_by(tag))
        return union_all(by_columns, by_tag)

    def source(self, request: SearchRequest) -> Select[Any]:
        """The courses, joined to their folded text when a keyword is confirmed in it, and
        on PostgreSQL to their terms when any is looked up."""
        if _needs_text(request) or (self._dialect() == "postgresql" and _looks_up(request)):
            return select(literal(1)).select_from(
                courses.join(course_search_documents, d.course_id == c.course_id))
        return select(literal(1)).select_from(courses)

    def from_documents(self, request: SearchRequest) -> bool:
        """Whether the search is a keyword's or an audience's by plain filters alone, or
        any search by them among the courses to come, in the order of relevance, first
        day or publication: its documents hold all it asks for, so neither its facets nor
        its page read the courses (one lookup by id per course found, else; and for a tag,
        a join to every course holding it). Filters alone over every year keep the
        courses, read in the order of their sort indexes."""
        return (_documented(request) and request.code is None
                and not (request.q.empty and request.lecturer.empty
                         and request.audience is None and request.include_past)
                and request.sort in ("relevance", "start_date", "newest"))

    def _document_conditions(self, request: SearchRequest) -> list[ColumnElement[bool]]:
        """``conditions`` for ``from_documents`` searches, on the documents' own copy."""
        return self._filters(request, d.ends_on.is_not(None), on_documents=True)

    def _document_facets(self, request: SearchRequest, *also: ColumnElement[bool],
                         days: Counter[date] | None = None) -> dict[str, dict[str, int]]:
        """One pass over the documents found (and ``also`` of them: a sample), grouped by
        county, category, time slot and tags (few combinations), summed here; and, given
        ``days``, counted per last day there too (a sample's: what ``_recent_window``
        reads, so that a ranked large match does not read its sample twice)."""
        found = _Tally()
        columns = [d.county_code, d.category, d.time_slot, d.tags]
        if days is not None:
            columns.append(d.ends_on)
        for row in self._documents(request, select(*columns, func.count())
                                   .where(*self._document_conditions(request), *also)
                                   .group_by(*columns)):
            n = int(row[-1])
            found.add(row[0], row[1], row[2], row[3], n)
            if days is not None:
                days[row[4]] += n
        return found.facets()

    def estimate(self, request: SearchRequest, where: list[ColumnElement[bool]]
                 ) -> Estimate | None:
        """The facets and total of a search whose matches are more than
        ``APPROXIMATE_ABOVE``, counted over a sample of them and scaled (None for a smaller
        one: it is counted exactly). The sample is the courses (or documents) whose id, a
        random UUID, is in a range: a range of the primary key, the same share of every
        match. A first share of 1/256 (4/256 over the courses) tells whether the match
        is far below the bound (a quarter of it); else its facets are counted over the
        smallest of ``SAMPLE_SHARES`` holding about ``SAMPLED_MATCHES`` of its matches (or
        the largest, 1/16, for one near the bound: told large or not from some 600 of its
        matches rather than 40, so that one just above the bound is not read whole as
        exact, nor one below it counted twice over growing shares)."""
        shares = FIRST_SHARES if self.from_documents(request) else \
            min(SHARES, FIRST_SHARES * FIRST_SHARES_OVER_COURSES)
        days = Counter[date]()
        found = self._sampled_facets(request, where, shares, days)
        matches = sum(found["county"].values()) * SHARES // shares
        if matches <= APPROXIMATE_ABOVE // 4:
            return None
        wanted = max(shares, _sample_shares(max(matches, APPROXIMATE_ABOVE)))
        if wanted != shares:
            shares, days = wanted, Counter()
            found = self._sampled_facets(request, where, wanted, days)
            matches = sum(found["county"].values()) * SHARES // shares
        if matches <= APPROXIMATE_ABOVE:
            return None
        facets = {name: {value: round(n * SHARES / shares) for value, n in counts.items()}
                  for name, counts in found.items()}
        ranked_from = self._recent_window(request, where, shares, days) \
            if _ranked(request) else None
        return Estimate(total=matches, facets=facets, ranked_from=ranked_from)

    def _sampled_facets(self, request: SearchRequest, where: list[ColumnElement[bool]],
                        shares: int, days: Counter[date]) -> dict[str, dict[str, int]]:
        """The sample's facets; over the documents, its last days counted in ``days``."""
        if self.from_documents(request):
            return self._document_facets(request, *_sample(d.course_id, shares),
                                         days=days if _ranked(request) else None)
        return self.facets(request, [*where, *_sample(c.course_id, shares)])

    def _recent_window(self, request: SearchRequest, where: list[ColumnElement[bool]],
                       shares: int, days: Counter[date]) -> date | None:
        """The last day from which on the matches are about ``RANKED_WINDOW`` (or twice as
        many as down to the page's end, if deeper: the sample's count is not exact), read
        off the sample (over the documents: its last days, already counted in ``days``);
        None if the match is not larger."""
        window = max(RANKED_WINDOW, 2 * request.page * request.per_page)
        in_sample = -(-window * shares // SHARES)
        if self.from_documents(request):
            seen = 0
            for day in sorted(days, reverse=True):  # the in_sample-th last day, latest first
                seen += days[day]
                if seen >= in_sample:
                    return day
            return None
        last = self.source(request).with_only_columns(c.ends_on).where(
            *where, *_sample(c.course_id, shares))
        found: date | None = self.session.scalar(
            last.order_by(c.ends_on.desc()).offset(in_sample - 1).limit(1))
        return found

    def query(self, request: SearchRequest, where: list[ColumnElement[bool]],
              estimate: Estimate | None = None) -> Select[Any]:
        """The ids of the request's page, in its order (also what a plan is read of). A
        large match over the whole catalogue in the order of first day or publication is
        read from the courses, in the order of their index, down to its page; ranked by
        relevance, only the most recent part of it (``Estimate.ranked_from``) is ranked."""
        read_in_order = (estimate is not None and request.include_past
                         and request.sort in ("start_date", "newest"))
        if self.from_documents(request) and not read_in_order:
            window = [] if estimate is None or estimate.ranked_from is None \
                else [d.ends_on >= self._day(estimate.ranked_from)]
            return (self._documents_in_order(request, window)
                    .limit(request.per_page).offset((request.page - 1) * request.per_page))
        if estimate is not None and estimate.ranked_from is not None:
            where = [*where, c.ends_on >= estimate.ranked_from]
        return (self.source(request).with_only_columns(c.course_id).where(*where)
                .order_by(*_order(request))
                .limit(request.per_page).offset((request.page - 1) * request.per_page))

    def _documents_in_order(self, request: SearchRequest,
                            window: list[ColumnElement[bool]]) -> Select[Any]:
        """The ids of a ``from_documents`` search's documents, in the page's order."""
        return (select(d.course_id).where(*self._document_conditions(request), *window)
                .order_by(*_document_order(request)))

    def read_once(self, request: SearchRequest) -> Matches | None:
        """The facets and the page of an exact match the documents hold (``from_documents``;
        at most about ``APPROXIMATE_ABOVE`` of them, as ``estimate`` found), from one
        read of its documents, instead of one pass over them for the facets and another
        for the page (each reading the same thousands of rows scattered over the heap: at
        2 M the larger part of such a search). Each document is numbered in the page's
        order, then grouped by its facets' values and, for the page's documents alone, by
        its id: a few hundred rows come back (not thousands to count here), and the page
        is the one ``page`` reads. None for a search over the courses, and for one with no
        keyword, lecturer or audience: its documents to come are a range of the covering
        index, whose two index-only passes (a top-N sort for the page) cost less than
        numbering them all."""
        if not (self.from_documents(request) and _looks_up(request)):
            return None
        numbered = select(d.course_id, d.county_code, d.category, d.time_slot, d.tags,
                          func.row_number().over(order_by=_document_order(request))
                          .label("n")).where(*self._document_conditions(request)).subquery()
        m = numbered.c
        start = (request.page - 1) * request.per_page
        on_page = case((m.n.between(start + 1, start + request.per_page), m.course_id))
        keys = [m.county_code, m.category, m.time_slot, m.tags, on_page]
        found = _Tally()
        page: list[tuple[int, str]] = []
        for row in self._documents(request, select(*keys, func.count(), func.min(m.n))
                                   .group_by(*keys)):
            course_id, n, first = row[4], int(row[5]), int(row[6])
            found.add(row[0], row[1], row[2], row[3], n)
            if course_id is not None:
                page.append((first, str(course_id)))
        return Matches(facets=found.facets(),
                       page=[course_id for _, course_id in sorted(page)])

    def page(self, request: SearchRequest, where: list[ColumnElement[bool]],
             estimate: Estimate | None = None) -> list[str]:
        statement = self.query(request, where, estimate)
        rows = self._documents(request, statement) if self.from_documents(request) \
            else self.session.execute(statement)
        return [str(row[0]) for row in rows]

    def _documents(self, request: SearchRequest, statement: Select[Any]) -> list[tuple[Any, ...]]:
        """The rows of a statement over the documents alone; on PostgreSQL, for one that
        looks terms up among the courses to come, planned with the plain index scans off
        (``INTERSECTED``), and on again for the search's other statements (reading
        courses by id, or in the order of an index, is what those are for)."""
        intersected = (self._dialect() == "postgresql" and not request.include_past
                       and _looks_up(request))
        if intersected:
            self.session.execute(text(INTERSECTED))
        rows = [tuple(row) for row in self.session.execute(statement)]
        if intersected:
            self.session.execute(text(INTERSECTED_DONE))
        return rows

    def enrolment_counts(self, course_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """Enrolments by course and status, counted as a course's detail counts them."""
        e = enrolments.c
        counts: dict[str, dict[str, int]] = {course_id: {} for course_id in course_ids}
        for course_id, status, count in self.session.execute(
                select(e.course_id, e.status, func.count())
                .where(e.course_id.in_(course_ids)).group_by(e.course_id, e.status)):
            counts[course_id][status] = int(count)
        return counts


class _Tally:
    """Facet counts summed from rows grouped by a document's county, category, time slot
    and tags (a document's tags are one text of words: each word counts)."""

    def __init__(self) -> None:
        self.found: dict[str, Counter[str]] = {name: Counter() for name in FACETS}

    def add(self, county: str, category: str, slot: str, tags: str | None, n: int) -> None:
        self.found["county"][county] += n
        self.found["category"][category] += n
        self.found["time_slot"][slot] += n
        for tag in (tags or "").split():
            self.found["tag"][tag] += n

    def facets(self) -> dict[str, dict[str, int]]:
        return {name: dict(sorted(self.found[name].items())) for name in FACETS}


def _sample_shares(matches: int) -> int:
    """The share to sample a match of about ``matches`` over: the smallest of
    ``SAMPLE_SHARES`` expected to hold ``SAMPLED_MATCHES`` of them, else the largest."""
    wanted = SHARES * SAMPLED_MATCHES / matches
    return next((shares for shares in SAMPLE_SHARES if shares >= wanted), SAMPLE_SHARES[-1])


def _sample(course_id: Any, shares: int) -> list[ColumnElement[bool]]:
    """The rows of ``shares``/256 of the ids: one of ``SAMPLE_SHARES`` (its own range of
    them), else those below the prefix of ``shares``. The prefixes are written into the
    statement, not bound: PostgreSQL uses the GIN index of a sample share (a partial
    index) only for a range it knows when planning."""
    if shares >= SHARES:
        return []
    low, high = sample_range(shares) if shares in SAMPLE_SHARES else ("00", f"{shares:02x}")
    return [course_id >= literal_column(f"'{low}'", Text),
            course_id < literal_column(f"'{high}'", Text)]


def _units_named(keyword: str) -> Select[Any]:
    """The codes of the units whose name holds the keyword."""
    return select(unit_replica.c.code).where(
        unit_replica.c.name.contains(keyword, autoescape=True))


def _having_term(term: str) -> Select[Any]:
    return select(t.course_id).where(t.term == term)


def _having_terms(terms: list[str]) -> Select[Any]:
    """The ids having every term, read from the primary key alone. The planner picks the
    side to start from: the index for a rare term, the other filters (a county, the
    courses still to come) for a common one, probing the index per course."""
    if len(terms) == 1:
        return _having_term(terms[0])
    return (select(t.course_id).where(t.term.in_(terms)).group_by(t.course_id)
            .having(func.count() == len(terms)))


def _plain(request: SearchRequest) -> bool:
    """Whether the search filters by county, category, time slot, tag and the courses to
    come alone (with or without keywords; ``open_now`` is not counted)."""
    return (request.audience is None and not request.unit and request.start_from is None
            and request.start_to is None and request.open_now is None
            and _documented(request))


def _documented(request: SearchRequest) -> bool:
    """Whether the documents hold every filter of the search (the plain ones, the
    audience, a term, the organising unit (revision 0013), a range of first days, and
    the enrolment window and seats left (revision 0015))."""
    return (all(value is None for value in (
                request.class_type, request.nature, request.subcategory, request.subject)))


def counted(request: SearchRequest) -> bool:
    """Whether the search is by plain filters alone, whose facets the counts hold."""
    return (_plain(request) and request.q.empty and request.code is None
            and request.lecturer.empty)


def _looks_up(request: SearchRequest) -> bool:
    return bool((request.code is None and not request.q.empty)
                or not request.lecturer.empty or request.audience is not None)


def _needs_text(request: SearchRequest) -> bool:
    return bool((request.code is None and request.q.confirmed_runs)
                or request.lecturer.confirmed_runs or _ranked(request))


def _ranked(request: SearchRequest) -> bool:
    return request.sort == "relevance" and not request.q.empty


def _rank(request: SearchRequest) -> Any:
    """Relevance, on the folded title: the title that is the keyword, then those starting
    with it, then those holding it."""
    whole = " ".join(request.q.runs)
    return case((d.title_text == whole, 0),
                (d.title_text.startswith(whole, autoescape=True), 1),
                (d.title_text.contains(whole, autoescape=True), 2), else_=3)


def _document_order(request: SearchRequest) -> list[Any]:
    """A ``from_documents`` search's page order, over the documents."""
    if request.sort == "relevance":
        return [_rank(request), d.starts_on.desc(), d.code]
    if request.sort == "newest":
        return [_fenced(d.approved_at, request).desc(), d.code.desc()]
    return [_fenced(d.starts_on, request), d.code]


def _fenced(column: Any, request: SearchRequest) -> Any:
    """The sort's first column; for the courses to come (a few thousand of the catalogue)
    as an expression no index is in the order of: sorting those found is cheap, while
    reading the whole catalogue in that order to find them is not."""
    return column if request.include_past else func.coalesce(column, column)


def _order(request: SearchRequest) -> list[Any]:
    if request.sort == "newest":
        return [_fenced(c.approved_at, request).desc(), c.code.desc()]
    if request.sort == "title":
        return [_fenced(c.title, request), c.code]
    if _ranked(request):
        return [_rank(request), c.starts_on.desc(), c.code]
    return [_fenced(c.starts_on, request), c.code]
