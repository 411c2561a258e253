"""Applying the platform's events to the figures (R-STA-1…8, R-ORG-3).

Each event is first appended to the facts log, then turned into additions to the
figures, in the consumer's transaction (its inbox row commits with them: each event
counts once). ``rebuild`` replays the log through the same functions. A fact that names
a course or unit stats does not know raises ``CannotApply``: the consumer retries it and
then parks it in the dead-letter queue with that reason, while the others flow."""
from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from itertools import groupby
from typing import Any

from sqlalchemy.orm import Session

from contracts.calendar import taipei_date
from contracts.events.accounts import (
    ACCOUNT_CREATED,
    AUTHORITY_REGISTERED,
    UNIT_JURISDICTION_CHANGED,
    UNIT_REGISTERED,
    UNIT_UPDATED,
)
from contracts.events.courses import (
    ATTENDANCE_REVIEWED,
    ATTENDANCE_SUBMITTED,
    COURSE_REGISTERED,
    COURSE_REGISTERED_V2,
    COURSE_REVIEWED,
    COURSE_SUBMITTED,
    COURSE_SUBMITTED_V2,
    ENROLMENT_RECORDED,
    HOURS_ISSUED,
    UNIT_LIGHT_CHANGED,
)
from contracts.events.sso import ACCOUNT_SIGNED_IN
from contracts.events.transfer import RECORD_ADDED, RECORD_CHANGED, RECORD_WITHDRAWN
from servicekit.bus.consumer import batched
from servicekit.events import Envelope
from services.stats.adapters.state import StatsState
from services.stats.domain import figures as f
from services.stats.domain.errors import CannotApply

Events = list[tuple[dict[str, Any], Envelope]]
Applier = Callable[[StatsState, f.Deltas, Events], None]


class Places:
    """Units of a batch, each with its jurisdiction history, read once; the members a
    fact of a unit and day counts under, made once (most of a run's facts share them)."""

    def __init__(self, state: StatsState, codes: list[str]) -> None:
        self.known = state.places(codes)
        self._members: dict[str | tuple[str, date], list[tuple[str, str]]] = {}

    def members(self, unit_code: str, day: date) -> list[tuple[str, str]]:
        """``f.of_unit`` of the unit on ``day``: not to be changed by the caller. A unit
        with no jurisdiction history counts under the same members every day."""
        known = self.known.get(unit_code)
        key = (unit_code, day) if known and known[1] else unit_code
        members = self._members.get(key)
        if members is None:
            members = self._members[key] = f.of_unit(self.on(unit_code, day))
        return members

    def on(self, unit_code: str, day: date) -> f.UnitPlace:
        try:
            place, changes = self.known[unit_code]
        except KeyError:
            raise CannotApply(f"unknown unit {unit_code}: not announced by accounts yet") from None
        return f.place_on(place, changes, day) if changes else place


def _units(state: StatsState, deltas: f.Deltas, events: Events) -> None:
    before = state.places(data["unit_code"] for data, _ in events)
    state.keep_units([{"unit_code": data["unit_code"], "name": data["name"],
                       "unit_type": data["unit_type"], "authority_code": data["authority_code"],
                       "county_code": data.get("county_code"), "version": data["version"]}
                      for data, _ in events])
    moved = {data["unit_code"] for data, _ in events if data["unit_code"] in before
             and before[data["unit_code"]][0].authority_code != data["authority_code"]}
    _rework_authorities(state, deltas, {code: before[code] for code in moved})


def _authorities(state: StatsState, _deltas: f.Deltas, events: Events) -> None:
    state.keep_authorities([{"authority_code": data["authority_code"], "name": data["name"],
                             "county_code": data.get("county_code"), "version": data["version"]}
                            for data, _ in events])


def _jurisdiction(state: StatsState, deltas: f.Deltas, events: Events) -> None:
    before = state.places(data["unit_code"] for data, _ in events)
    state.keep_jurisdiction_changes([
        {"unit_code": data["unit_code"], "effective_from": data["effective_from"],
         "from_authority": data["from_authority_code"], "to_authority": data["to_authority_code"]}
        for data, _ in events])
    _rework_authorities(state, deltas, before)


Place = tuple[f.UnitPlace, list[f.JurisdictionChange]]


def _rework_authorities(state: StatsState, deltas: f.Deltas, before: dict[str, Place]) -> None:
    """Figures counted under an authority that, as now known, did not hold the unit on
    their day move to the one that did (a change learnt after the facts, R-ORG-3). Read
    from the unit's day shares under each authority it ever had; a unit with no
    jurisdiction history until now had no shares apart: its own day figures were all its
    authority's, and its first change writes its shares from them (``f.share_member``)."""
    if not before:
        return
    after = state.places(before)
    kept = {code for code, (_place, changes) in before.items() if changes and code in after}
    shares = []  # (measure, day, unit, authority counted under, value)
    for measure, day, member, value in state.day_figures(
            f.AUTHORITY_UNIT, [f.authority_unit(authority, code) for code in kept
                               for authority in _held(before[code], after[code])]):
        counted_under, code = member.split("|", 1)
        shares.append((measure, day, code, counted_under, value))
    for measure, day, code, value in state.day_figures(
            f.UNIT, [code for code in before if code in after and code not in kept]):
        shares.append((measure, day, code, before[code][0].authority_code, value))
    for measure, day, code, counted_under, value in shares:
        place, changes = after[code]
        right = f.authority_on(day, place.authority_code, changes)
        was_kept, is_kept = code in kept, bool(changes)
        if counted_under != right or was_kept != is_kept:
            f.moved_share(measure, day, value, code, counted_under, right, deltas,
                          kept_before=was_kept, kept_after=is_kept)


def _held(*places: Place) -> set[str]:
    """Every authority a unit was or is under, as these views of it tell."""
    return {authority for place, changes in places for authority in (
        place.authority_code, *(c.from_authority for c in changes),
        *(c.to_authority for c in changes))}


def _accounts_opened(state: StatsState, deltas: f.Deltas, events: Events) -> None:
    measures = {"teacher": f.TEACHER_ACCOUNTS_OPENED, "business": f.BUSINESS_ACCOUNTS_OPENED}
    wanted = [(data, envelope) for data, envelope in events if data["kind"] in measures]
    places = state.places(data["unit_code"] for data, _ in wanted if data.get("unit_code"))
    for data, envelope in wanted:
        day = taipei_date(envelope.time)
        known = places.get(data.get("unit_code") or "")
        if known:
            members = f.of_unit(f.place_on(*known, day))
        else:  # no school yet, or one accounts has not announced: nationally and by county
            members = f.national() + ([(f.COUNTY, data["county_code"])]
                                      if data.get("county_code") else [])
        deltas.add(measures[data["kind"]], day, 1, members)


def _courses_registered(state: StatsState, deltas: f.Deltas, events: Events) -> None:
    """A course counts registered once, on its registration day; its hours (v2 only) count
    once too, with it, or when a v2 follows the v1 that first told the course."""
    known = {course_id: course.hours for course_id, course in state.courses_of(
        str(data["course_id"]) for data, _ in events).items()}
    places = Places(state, [data["unit_code"] for data, _ in events])
    fresh: dict[str, dict[str, Any]] = {}
    hours_now: dict[str, Decimal] = {}
    for data, _ in events:
        course_id, hours = str(data["course_id"]), data.get("hours")
        day = taipei_date(data["registered_at"])
        if course_id not in known:
            known[course_id] = hours
            fresh[course_id] = {"course_id": course_id, "code": data["code"],
                                "unit_code": data["unit_code"], "starts_on": data["starts_on"],
                                "list_sent": False, "held": False, "hours": hours}
            deltas.add(f.COURSES_REGISTERED, day, 1, places.members(data["unit_code"], day))
        elif hours is None or known[course_id] is not None:
            continue  # told again, or a v1 after the v2: counted already
        else:
            known[course_id] = hours
            if course_id in fresh:
                fresh[course_id]["hours"] = hours
            else:
                hours_now[course_id] = hours
        if hours is not None:
            deltas.add(f.COURSE_HOURS, day, Decimal(hours),
                       places.members(data["unit_code"], day))
    state.add_courses(list(fresh.values()))
    state.set_course_hours(hours_now)


def _courses_submitted(state: StatsState, deltas: f.Deltas, events: Events) -> None:
    """The meeting-keyword report (R-CRS-10): first submissions whose title names a meeting,
    each course once, and apart those whose title is only a meeting's name (v2 tells it;
    when a v1 came first, its v2 adds that part alone)."""
    flagged = [(data, envelope) for data, envelope in events
               if data["meeting_keywords"] and not data["resubmission"]]
    if not flagged:
        return
    known = state.meeting_courses_of(str(data["course_id"]) for data, _ in flagged)
    places = Places(state, [data["unit_code"] for data, _ in flagged])
    new: dict[str, bool | None] = {}
    told_only: dict[str, bool] = {}
    for data, _ in flagged:
        course_id, only = str(data["course_id"]), data.get("meeting_only")
        day = taipei_date(data["submitted_at"])
        members = places.members(data["unit_code"], day) + [
            (f.KEYWORD, keyword) for keyword in data["meeting_keywords"]]
        if course_id not in known:
            known[course_id] = new[course_id] = only
            deltas.add(f.MEETING_KEYWORD_COURSES, day, 1, members)
        elif only is None or known[course_id] is not None:
            continue  # told again, or a v1 after the v2: counted already
        else:
            known[course_id] = only
            if course_id in new:
                new[course_id] = only
            else:
                told_only[course_id] = only
        if only:
            deltas.add(f.MEETING_ONLY_COURSES, day, 1, members)
    state.keep_meeting_courses(new, told_only)


def _reviews(state: StatsState, deltas: f.Deltas, events: Events) -> None:
    places = Places(state, [data["unit_code"] for data, _ in events])
    _count(deltas, places, f.REVIEWS,
           Counter((data["unit_code"], data["reviewed_on"]) for data, _ in events))


def _count(deltas: f.Deltas, places: Places, measure: str,
           counted: Counter[tuple[str, date]]) -> None:
    """Facts counted per unit and day first, each pair added to its figures once: a
    batch's enrolments fall on few units and days (a rush on a handful of courses)."""
    for (unit_code, day), n in counted.items():
        deltas.add(measure, day, n, places.members(unit_code, day))


def _known_courses(state: StatsState, ids: list[str]) -> dict[str, Any]:
    known = state.courses_of(ids)
    for course_id in ids:
        if course_id not in known:
            raise CannotApply(f"unknown course {course_id}: its registration has not reached "
                              "stats (courses' re-announce fills it)")
    return known


def _enrolments(state: StatsState, deltas: f.Deltas, events: Events) -> None:
    known = _known_courses(state, [str(data["course_id"]) for data, _ in events])
    places = Places(state, [course.unit_code for course in known.values()])
    _count(deltas, places, f.ENROLMENTS, Counter(
        (known[str(data["course_id"])].unit_code, taipei_date(data["at"])) for data, _ in events))


def _lists_sent(state: StatsState, deltas: f.Deltas, events: Events) -> None:
    known = _known_courses(state, [str(data["course_id"]) for data, _ in events])
    places = Places(state, [course.unit_code for course in known.values()])
    first = {}
    for data, envelope in events:
        course = known[str(data["course_id"])]
        if not course.list_sent and course.course_id not in first:
            first[course.course_id] = (course, taipei_date(envelope.time))
    for course, day in first.values():
        deltas.add(f.ATTENDANCE_LISTS_SENT, day, 1, places.members(course.unit_code, day))
    state.mark_courses(first, list_sent=True)


def _courses_held(state: StatsState, deltas: f.Deltas, events: Events) -> None:
    """A network course is held when its attendee list is approved; it counts in the
    month it started (R-STA-1)."""
    approved = [str(data["course_id"]) for data, _ in events if data["decision"] == "approve"]
    known = _known_courses(state, approved)
    places = Places(state, [course.unit_code for course in known.values()])
    newly = {course_id: known[course_id] for course_id in approved if not known[course_id].held}
    for course in newly.values():
        deltas.add(f.COURSES_HELD_NETWORK, course.starts_on, 1,
                   places.members(course.unit_code, course.starts_on))
    state.mark_courses(newly, held=True)


def _hours(state: StatsState, deltas: f.Deltas, events: Events) -> None:
    """Hours issued as they stand: a re-issue takes back what the line counted before."""
    newest: dict[tuple[str, str], dict[str, Any]] = {}
    for data, _ in events:
        key = (str(data["course_id"]), str(data["account_id"]))
        if key not in newest or newest[key]["version"] < data["version"]:
            newest[key] = data
    kept = state.hour_lines_of(newest)
    places = Places(state, [data["unit_code"] for data in newest.values()]
                    + [line.unit_code for line in kept.values()])
    lines = []
    for key, data in newest.items():
        old = kept.get(key)
        if old is not None and old.version >= data["version"]:
            continue
        if old is not None:
            _count_line(deltas, places, old.unit_code, old.ends_on, -Decimal(old.hours),
                        old.tags, -1)
        hours = Decimal(str(data["hours"]))
        _count_line(deltas, places, data["unit_code"], data["ends_on"], hours, data["tags"], 1)
        lines.append({"course_id": key[0], "account_id": key[1], "unit_code": data["unit_code"],
                      "ends_on": data["ends_on"], "hours": hours, "tags": list(data["tags"]),
                      "version": data["version"]})
    state.keep_hour_lines(lines)


def _count_line(deltas: f.Deltas, places: Places, unit_code: str, day: date, hours: Decimal,
                tags: list[str], completions: int) -> None:
    tagged = places.members(unit_code, day) + [(f.TAG, tag) for tag in tags]
    deltas.add(f.TEACHER_HOURS, day, hours, tagged)
    deltas.add(f.COMPLETIONS, day, completions, tagged)


def _transfer(state: StatsState, deltas: f.Deltas, events: Events) -> None:
    """Transfer records per source (R-TRF-10, R-STA-5) as they stand; a course reported by
    an outside system is held while one live record names it (R-STA-1)."""
    newest: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
    for data, envelope in events:
        key = (data["source"], data["record_key"])
        if key not in newest or newest[key][0]["version"] < data["version"]:
            newest[key] = (data, envelope.type)
    kept = state.transfer_records_of(newest)
    course_changes: dict[tuple[str, str, date], int] = {}
    rows = []
    for key, (data, event_type) in newest.items():
        old = kept.get(key)
        if old is not None and old.version >= data["version"]:
            continue
        if old is not None and old.live:
            _count_record(deltas, data["source"], old.starts_on, -Decimal(old.hours), old.tags, -1)
            course = (data["source"], old.course_key, old.starts_on)
            course_changes[course] = course_changes.get(course, 0) - 1
        if event_type == RECORD_WITHDRAWN:
            if old is not None:
                rows.append({"source": old.source, "record_key": old.record_key,
                             "course_key": old.course_key, "starts_on": old.starts_on,
                             "hours": Decimal(old.hours), "tags": list(old.tags), "live": False,
                             "version": data["version"]})
            continue
        hours = Decimal(str(data["hours"])).quantize(Decimal("0.1"))
        tags = list(data.get("tags") or [])
        course_key = hashlib.sha256("\x1f".join(
            (data["organiser"], data["title"], data["starts_on"].isoformat())).encode()
        ).hexdigest()[:32]
        _count_record(deltas, data["source"], data["starts_on"], hours, tags, 1)
        course = (data["source"], course_key, data["starts_on"])
        course_changes[course] = course_changes.get(course, 0) + 1
        rows.append({"source": data["source"], "record_key": data["record_key"],
                     "course_key": course_key, "starts_on": data["starts_on"], "hours": hours,
                     "tags": tags, "live": True, "version": data["version"]})
    state.keep_transfer_records(rows)
    for source, day, change in state.count_transfer_courses(course_changes):
        deltas.add(f.COURSES_HELD_TRANSFER, day, change, f.national() + [(f.SOURCE, source)])


def _count_record(deltas: f.Deltas, source: str, day: date, hours: Decimal, tags: list[str],
                  records: int) -> None:
    members = f.national() + [(f.SOURCE, source)] + [(f.TAG, tag) for tag in tags]
    deltas.add(f.TRANSFER_RECORDS, day, records, members)
    deltas.add(f.TRANSFER_HOURS, day, hours, members)


def _lights(state: StatsState, _deltas: f.Deltas, events: Events) -> None:
    """Courses past their attendee-list deadline, per unit and year: a state courses
    announces whole each time it changes, kept as it stands (not a sum)."""
    state.keep_unit_lights([{"unit_code": data["unit_code"], "year": data["year"],
                             "light": data["light"], "overdue": data["overdue"],
                             "version": data["version"]} for data, _ in events])


def _visits(state: StatsState, deltas: f.Deltas, events: Events) -> None:
    """Visits per day (R-STA-8): an account counts once a Taipei day, however often it
    signs in; a month's figure is the sum of its days (visitor-days)."""
    for day, _account in state.new_visitors({(taipei_date(data["at"]), str(data["account_id"]))
                                             for data, _ in events}):
        deltas.add(f.VISITORS, day, 1, f.national())


APPLIERS: dict[str, Applier] = {
    AUTHORITY_REGISTERED: _authorities,
    UNIT_REGISTERED: _units,
    UNIT_UPDATED: _units,
    UNIT_JURISDICTION_CHANGED: _jurisdiction,
    ACCOUNT_CREATED: _accounts_opened,
    COURSE_REGISTERED: _courses_registered,
    COURSE_REGISTERED_V2: _courses_registered,
    COURSE_SUBMITTED: _courses_submitted,
    COURSE_SUBMITTED_V2: _courses_submitted,
    COURSE_REVIEWED: _reviews,
    ENROLMENT_RECORDED: _enrolments,
    ATTENDANCE_SUBMITTED: _lists_sent,
    ATTENDANCE_REVIEWED: _courses_held,
    HOURS_ISSUED: _hours,
    RECORD_ADDED: _transfer,
    RECORD_CHANGED: _transfer,
    RECORD_WITHDRAWN: _transfer,
    ACCOUNT_SIGNED_IN: _visits,
    UNIT_LIGHT_CHANGED: _lights,
}


def _additions(state: StatsState, events: Events) -> dict[f.FigureKey, Decimal]:
    deltas = f.Deltas()
    APPLIERS[events[0][1].type](state, deltas, events)
    return deltas.nonzero()


def apply(state: StatsState, events: Events) -> None:
    """Applies a run of events of one type (already in the facts log: ``rebuild``)."""
    state.add_to_figures(_additions(state, events))


@batched
def take(session: Session, events: Events) -> None:
    """The consumer's handler of every type stats counts: apply the facts, then log them
    with what they add (both written as the batch commits: ``StatsState.log_and_add``)."""
    state = StatsState(session)
    additions = _additions(state, events)
    state.log_and_add([{"event_id": envelope.id, "event_type": envelope.type,
                        "occurred_at": envelope.time, "data": dict(envelope.data)}
                       for _data, envelope in events], additions)


def take_in_runs(session: Session, events: Events) -> None:
    """``take`` on a batch of several types, one run of a type after another, in the
    order they came: what the consumer does with a batch it received (the benchmarks and
    the national backfill hand their batches over the same way)."""
    for _type, run in groupby(events, key=lambda loaded: loaded[1].type):
        take(session, list(run))
