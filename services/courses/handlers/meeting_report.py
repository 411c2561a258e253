"""The meeting-as-training report (R-CRS-10): per period and reviewing authority, the
courses whose titles name a meeting (the operators' list), those that are nothing but a
meeting's name listed apart. A reviewer sees their own authority's; operators and the ministry's
viewers every one."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from servicekit.errors import Forbidden
from services.courses.adapters.uow import CoursesUnitOfWork
from services.courses.domain.courses import DRAFT, meeting_keywords
from services.courses.domain.meetings import meeting_only
from services.courses.domain.vocabularies import MEETING_KEYWORD
from services.courses.handlers.search import refused

if TYPE_CHECKING:
    from servicekit.tokens import Principal

NATIONAL = ("operator", "viewer", "admin")  # every authority's report
LONGEST_PERIOD_DAYS = 400  # a school year and a little: the report reads every title in it
# Sent for review at least once: a draft has no reviewing authority yet.
REPORTED = ("submitted", "returned", "approved", "attendance_submitted",
            "attendance_returned", "closed")
assert DRAFT not in REPORTED


def report(work: CoursesUnitOfWork, principal: Principal, starts_from: date, starts_to: date,
           authority: str | None) -> dict[str, Any]:
    if starts_from > starts_to:
        raise refused("to", "reversed-range", "before from")
    if (starts_to - starts_from).days > LONGEST_PERIOD_DAYS:
        raise refused("to", "period-too-long", f"at most {LONGEST_PERIOD_DAYS} days after from")
    if not principal.has_any_role(*NATIONAL):
        if not principal.authority:
            raise Forbidden("a reviewer's token names their authority", slug="no-authority")
        if authority not in (None, principal.authority):
            raise Forbidden("a reviewer sees only their own authority's report",
                            slug="other-authority")
        authority = principal.authority
    with work:
        keywords = work.vocabularies.vocabulary().active_labels(MEETING_KEYWORD)
        found = work.meeting_titles.courses(keywords, starts_from, starts_to, authority,
                                            REPORTED)
    by_authority: dict[str, dict[str, Any]] = {}
    for course in found:
        code = course["reviewing_authority_code"] or ""
        entry = by_authority.setdefault(code, {"authority_code": code, "courses": [],
                                               "meeting_only": []})
        item = {"id": course["course_id"], "code": course["code"], "title": course["title"],
                "unit_code": course["unit_code"], "status": course["status"],
                "starts_on": course["starts_on"],
                "keywords": meeting_keywords(course["title"], keywords)}
        apart = meeting_only(course["title"], keywords)
        entry["meeting_only" if apart else "courses"].append(item)
    authorities = list(by_authority.values())
    return {"from": starts_from, "to": starts_to, "authority_code": authority,
            "keywords": keywords, "authorities": authorities,
            "flagged": sum(len(a["courses"]) + len(a["meeting_only"]) for a in authorities),
            "meeting_only": sum(len(a["meeting_only"]) for a in authorities)}
