"""The courses service's vocabularies (categories, tags, time slots…), read from its API
and kept a few minutes per process: operators change them rarely, every page shows them."""
from __future__ import annotations

import threading
import time
from typing import Any

from flask import current_app

from web.components import components

CACHE_SECONDS = 300.0
_lock = threading.Lock()


def terms(kind: str) -> list[dict[str, Any]]:
    """The kind's active terms in their order; none when the API has no such kind."""
    cache: dict[str, tuple[float, list[dict[str, Any]]]] = current_app.extensions.setdefault(
        "web.vocabularies", {})
    with _lock:
        cached = cache.get(kind)
        if cached and cached[0] > time.monotonic():
            return cached[1]
    answer = components().api.get(f"/api/courses/vocabularies/{kind}")
    found = [term for term in answer.body or [] if term.get("active", True)] if answer.ok else []
    with _lock:
        cache[kind] = (time.monotonic() + CACHE_SECONDS, found)
    return found


def labels(kinds: tuple[str, ...]) -> dict[str, dict[str, str]]:
    return {kind: {term["code"]: term.get("label") or term["code"] for term in terms(kind)}
            for kind in kinds}
