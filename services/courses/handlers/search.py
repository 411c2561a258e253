"""The catalogue's cross search (R-CRS-9): every filter intersecting, facet counts for the
filtered set, a page of courses with their seats taken. Anyone may search; only published
courses are ever found. A match larger than ``APPROXIMATE_ABOVE`` courses has its total
and facets estimated from a sample, and says so (``total_is_estimate``,
``facets_approximate``; ``relevance_approximate`` when only its most recent courses were
ranked): the client shows such a total as "about"."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from contracts.calendar import taipei_date
from contracts.vocabulary import COUNTIES
from servicekit.clock import Clock
from servicekit.errors import Invalid
from services.courses.adapters.uow import CoursesUnitOfWork
from services.courses.domain.access import PUBLISHED
from services.courses.domain.search import Keyword, SearchRequest, code_of
from services.courses.domain.vocabularies import (
    AUDIENCE,
    CATEGORY,
    CLASS_TYPE,
    NATURE,
    SUBCATEGORY,
    SUBJECT,
    TAG,
    TIME_SLOT,
    Vocabulary,
)
from services.courses.handlers.lifecycle import meeting_names, summary

# Query parameter → the vocabulary its value must be a term of (retired terms included:
# old courses keep them and stay findable).
_CODED = {"audience": AUDIENCE, "class_type": CLASS_TYPE, "nature": NATURE,
          "category": CATEGORY, "subcategory": SUBCATEGORY, "subject": SUBJECT,
          "time_slot": TIME_SLOT, "tag": TAG}


def refused(parameter: str, slug: str, message: str) -> Invalid:
    """A parameter the search cannot take, named as the edge names a field it refuses."""
    return Invalid(slug, "The search is not valid", f"{parameter}: {message}",
                   parameter=parameter, errors={parameter: [message]})


def request_of(query: dict[str, Any], vocabulary: Callable[[], Vocabulary],
               now: datetime) -> SearchRequest:
    """The edge's query (shapes already checked) as a search: codes known, ranges ordered.
    ``vocabulary`` is read only when a coded filter is given (most searches have none)."""
    today = taipei_date(now)
    coded = {parameter: query[parameter] for parameter in _CODED
             if query.get(parameter) is not None}
    terms = vocabulary() if coded else None
    for parameter, value in coded.items():
        if terms is not None and terms.term(_CODED[parameter], value) is None:
            raise refused(parameter, "unknown-filter-value", f"no {_CODED[parameter]} {value!r}")
    county = query.get("county")
    if county is not None and county not in COUNTIES:
        raise refused("county", "unknown-filter-value", f"no county {county!r}")
    start_from, start_to = query.get("start_from"), query.get("start_to")
    if start_from and start_to and start_from > start_to:
        raise refused("start_to", "reversed-range", "before start_from")
    if query.get("days_ahead") is not None:  # from today to today + days, within the range
        ahead_to = today + timedelta(days=query["days_ahead"])
        start_from = max(filter(None, (start_from, today)))
        start_to = min(filter(None, (start_to, ahead_to)))
    q = Keyword.of(query.get("q"))
    sort = query.get("sort") or ("relevance" if not q.empty else "start_date")
    if sort == "relevance" and q.empty:
        raise refused("sort", "relevance-without-keyword", "relevance needs a keyword q")
    return SearchRequest(
        today=today, q=q, code=code_of(query.get("q")),
        **{name: query.get(name) for name in (*_CODED, "county")},
        unit=(query.get("unit") or "").strip() or None,
        lecturer=Keyword.of(query.get("lecturer")),
        start_from=start_from, start_to=start_to,
        include_past=bool(query.get("include_past")),
        open_now=now if query.get("open_now") else None,
        sort=sort, page=query.get("page", 1), per_page=query.get("per_page", 20))


def search(work: CoursesUnitOfWork, clock: Clock, query: dict[str, Any]) -> dict[str, Any]:
    now = clock.now()
    with work:
        request = request_of(query, work.vocabularies.vocabulary, now)
        answer: dict[str, Any] = {"page": request.page, "per_page": request.per_page,
                                  "sort": request.sort}
        work.search.begin()
        where = work.search.conditions(request, PUBLISHED)
        facets = work.search.counted_facets(request)  # filters alone: kept counts
        estimate = None if facets is not None else work.search.estimate(request, where)
        read = None  # an exact match the documents hold: its facets and page read at once
        if estimate is not None:  # a large match: counted over a sample
            facets, total = estimate.facets, estimate.total
        else:
            if facets is None:
                read = work.search.read_once(request)
                facets = read.facets if read is not None \
                    else work.search.facets(request, where)
            total = sum(facets["county"].values())  # every course has one county
            if request.page > 1 and (request.page - 1) * request.per_page >= total:
                raise refused("page", "page-beyond-end",
                              f"the search has {total} courses, fewer than page "
                              f"{request.page} starts at")
        answer.update(total_is_estimate=estimate is not None,
                      facets_approximate=estimate is not None,
                      relevance_approximate=estimate is not None
                      and estimate.ranked_from is not None)
        ids = read.page if read is not None else work.search.page(request, where, estimate)
        found = {course.course_id: course for course in work.courses.many(ids)}
        counts = work.search.enrolment_counts(ids)
        meetings = meeting_names(work) if found else []
        items = [{**summary(found[course_id], meetings),
                  "enrolled": counts[course_id].get("enrolled", 0),
                  "waitlisted": counts[course_id].get("waitlisted", 0)}
                 for course_id in ids if course_id in found]
        return {**answer, "total": total, "items": items, "facets": facets}
