"""A teacher's transcript (R-CRS-11): every hour from the network's closed courses and from
transfer records, with totals by year and by policy tag. Withdrawn records count no more.
The year of an entry is the Taipei year of its last day."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

NETWORK_SOURCE = "network"


@dataclass(frozen=True)
class Entry:
    source: str
    record_key: str
    hours: Decimal
    title: str
    organiser: str
    starts_on: date
    ends_on: date
    tags: tuple[str, ...]


def network_key(course_id: str, account_id: str) -> str:
    return f"{course_id}:{account_id}"


def transcript(entries: list[Entry], year: int | None = None,
               tag: str | None = None) -> dict[str, Any]:
    chosen = sorted((e for e in entries
                     if (year is None or e.ends_on.year == year)
                     and (tag is None or tag in e.tags)),
                    key=lambda e: (e.ends_on, e.title, e.record_key))
    by_year: dict[int, Decimal] = defaultdict(Decimal)
    by_tag: dict[str, Decimal] = defaultdict(Decimal)
    for entry in chosen:
        by_year[entry.ends_on.year] += entry.hours
        for name in entry.tags:
            by_tag[name] += entry.hours
    return {
        "entries": chosen,
        "total_hours": sum((e.hours for e in chosen), Decimal(0)),
        "by_year": [{"year": y, "hours": h} for y, h in sorted(by_year.items())],
        "by_tag": [{"tag": t, "hours": h} for t, h in sorted(by_tag.items())],
    }
