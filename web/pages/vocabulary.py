"""The courses service's vocabularies (categories, tags, time slots…) and the counties,
read from the API and kept a few minutes per process: operators change them rarely,
every page shows them."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from flask import current_app

from web.api import ApiUnavailable
from web.components import components

CACHE_SECONDS = 300.0
COUNTY = "county"
# What a course's page names by label (templates/_course.html), and the return reasons.
COURSE_FACTS = ("audience", "class_type", "nature", "category", "subcategory", "subject",
                "time_slot", "tag", COUNTY, "return_reason")
_lock = threading.Lock()


def terms(kind: str) -> list[dict[str, Any]]:
    """The kind's active terms in their order; none when the API has no such kind."""
    if kind == COUNTY:
        return _cached(COUNTY, _counties)

    def fetch() -> list[dict[str, Any]]:
        answer = components().api.get(f"/api/courses/vocabularies/{kind}")
        return [term for term in answer.body or [] if term.get("active", True)] \
            if answer.ok else []
    return _cached(kind, fetch)


def labels(kinds: tuple[str, ...]) -> dict[str, dict[str, str]]:
    return {kind: {term["code"]: term.get("label") or term["code"] for term in terms(kind)}
            for kind in kinds}


def _counties() -> list[dict[str, Any]]:
    """The 22 counties and cities, as the accounts service's directory of authorities
    lists their education bureaus; a bureau is named after its county (臺北市政府教育局 →
    臺北市), which is what a teacher looks for."""
    answer = components().api.get("/api/accounts/authorities")
    if not answer.ok:
        return []
    return [{"code": item["county_code"] or item["code"],
             "label": str(item.get("name") or item["code"]).split("政府")[0]}
            for item in answer.body or [] if item.get("kind") == COUNTY]


def _cached(key: str, fetch: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    cache: dict[str, tuple[float, list[dict[str, Any]]]] = current_app.extensions.setdefault(
        "web.vocabularies", {})
    with _lock:
        cached = cache.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
    try:
        found = fetch()
    except ApiUnavailable:
        # A labelling list is not worth a page: the page shows codes until it is back.
        found = []
    # A failed read is kept a few seconds only: the next page asks again soon.
    keep = CACHE_SECONDS if found else 5.0
    with _lock:
        cache[key] = (time.monotonic() + keep, found)
    return found
