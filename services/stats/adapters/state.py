"""What applying facts reads and writes, on the consumer's session: the facts log, the
figures, and the state a fact is applied against. Reads are by the batch's keys (one
statement each), so a batch costs a few statements however many events it carries."""
from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Select,
    Table,
    Text,
    and_,
    bindparam,
    cast,
    column,
    delete,
    event,
    func,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from servicekit import copy_text
from servicekit.db import insert_rows
from servicekit.replica import upsert_newer
from services.stats.adapters.orm import (
    authorities,
    courses,
    facts,
    figures,
    hour_lines,
    jurisdiction_changes,
    meeting_courses,
    transfer_courses,
    transfer_records,
    unit_lights,
    units,
    visitors,
)
from services.stats.domain.figures import (
    DAY,
    MEASURES,
    FigureKey,
    JurisdictionChange,
    UnitPlace,
)

# Everything but the facts: what ``rebuild`` empties before replaying them.
DERIVED = (figures, units, authorities, jurisdiction_changes, courses, hour_lines,
           transfer_records, transfer_courses, visitors, unit_lights, meeting_courses)


@functools.cache
def _figure_upsert(dialect: str) -> tuple[Any, Any]:
    statement, parameters = insert_rows(
        dialect, figures, ("measure", "dimension", "period", "starts_on", "member", "value"))
    return statement.on_conflict_do_update(
        index_elements=[figures.c.measure, figures.c.dimension, figures.c.period,
                        figures.c.member, figures.c.starts_on],
        set_={"value": figures.c.value + statement.excluded.value}), parameters


def _with_keys(dialect: str, table: Table, first: Column[Any], second: Column[Any],
               keys: list[tuple[str, str]]) -> tuple[Select[Any], dict[str, Any]]:
    """The rows of ``table`` with these two-column keys, and the statement's parameters.
    PostgreSQL joins the keys read from one JSON document: a row-value ``IN`` of a
    thousand pairs costs a thousand placeholders and planning an ``OR`` of as many index
    scans. Elsewhere (SQLite), that ``IN``."""
    if dialect != "postgresql":
        return select(table).where(tuple_(first, second).in_(keys)), {}
    wanted = func.json_to_recordset(cast(bindparam("keys", type_=Text()), JSON)).table_valued(
        column("a", Text()), column("b", Text())).render_derived(with_types=True)
    return (select(table).join(wanted, and_(first == wanted.c.a, second == wanted.c.b)),
            {"keys": json.dumps([{"a": a, "b": b} for a, b in keys], ensure_ascii=False)})


def _rows_of(dialect: str, table: Table, key: Column[Any], values: list[str]) -> Select[Any]:
    """The rows of ``table`` whose ``key`` is one of ``values``. PostgreSQL joins the keys
    unnested from one array parameter: a batch's thousand ids as an ``IN`` list (or
    ``= ANY``) are tested one after the other against every row a scan reads (a thousand
    courses against a small table: 50 ms), where a join hashes them or walks the index."""
    if dialect != "postgresql":
        return select(table).where(key.in_(values))
    wanted = func.unnest(bindparam("keys", values, type_=ARRAY(Text()))).table_valued(
        column("key", Text())).render_derived()
    return select(table).join(wanted, key == wanted.c.key)


@functools.cache
def _transfer_course_upsert(dialect: str) -> tuple[Any, Any]:
    statement, parameters = insert_rows(
        dialect, transfer_courses, ("source", "course_key", "starts_on", "live_records"))
    return statement.on_conflict_do_update(
        index_elements=[transfer_courses.c.source, transfer_courses.c.course_key],
        set_={"live_records": statement.excluded.live_records}), parameters


_PLACES = "stats.places"  # the session's cache of units and their jurisdiction history
_COURSES = "stats.courses"  # the session's cache of courses read, as they stand
_PENDING = "stats.pending"  # facts and figure additions written when the transaction commits


@dataclass
class _Pending:
    transaction: Any  # the root transaction they belong to: gone with it if it rolls back
    facts: list[Mapping[str, Any]] = field(default_factory=list)
    deltas: dict[FigureKey, Decimal] = field(default_factory=dict)


def _write_pending(session: Session) -> None:
    if not session.in_nested_transaction():  # the batch's commit, not a savepoint's
        StatsState(session).write_pending()


def _drop_cached(session: Session, _transaction: Any) -> None:
    session.info.pop(_PLACES, None)
    session.info.pop(_COURSES, None)


_FACT_COLUMNS = ("event_id", "event_type", "occurred_at", "data")


def _utc(moment: datetime) -> datetime:
    if moment.utcoffset() is None:  # as UtcDateTime refuses it: the server's zone would guess
        raise ValueError(f"a fact's moment needs its zone, not {moment!r}")
    return moment


def _primary_key_order(item: tuple[FigureKey, Decimal]) -> tuple[str, str, str, str, date]:
    measure, period, starts_on, dimension, member = item[0]
    return measure, dimension, period, member, starts_on


class StatsState:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    # -- the facts log ------------------------------------------------------------------
    def append_facts(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Appends the facts. Each comes once: the consumer's inbox claimed it first (a
        bulk backfill run twice over one database fails here rather than count twice).
        PostgreSQL takes them by ``COPY``: half the time of one ``INSERT`` of a JSON
        document for the 5,000–50,000 facts of a batch, the log being about a third of
        what applying costs the server."""
        if self.dialect != "postgresql":
            statement, parameters = insert_rows(self.dialect, facts, _FACT_COLUMNS)
            self.session.execute(statement, parameters(list(rows)))
            return
        if not rows:
            return
        # The data as it travelled (JSON types already).
        text, dumps = copy_text.text, json.JSONEncoder(ensure_ascii=False,
                                                       separators=(",", ":")).encode
        copy_text.copy_lines(self.session, facts.name, _FACT_COLUMNS, [
            f"{text(row['event_id'])}\t{text(row['event_type'])}\t"
            f"{_utc(row['occurred_at']).isoformat()}\t{text(dumps(row['data']))}"
            for row in rows])

    def log_and_add(self, facts_rows: Sequence[Mapping[str, Any]],
                    deltas: Mapping[FigureKey, Decimal]) -> None:
        """Facts and what they add to the figures, written when the transaction commits:
        one statement each for the whole batch, however many runs of one type it holds
        (a live stream interleaves types). Inside a savepoint (the consumer applying a
        failed batch again one event at a time) they are written at once, since the
        savepoint may roll back alone."""
        if self.session.in_nested_transaction():
            self.append_facts(facts_rows)
            self.add_to_figures(deltas)
            return
        root = self.session.get_transaction()
        pending = self.session.info.get(_PENDING)
        if pending is None or pending.transaction is not root:
            pending = self.session.info[_PENDING] = _Pending(root)
            if not event.contains(self.session, "before_commit", _write_pending):
                event.listen(self.session, "before_commit", _write_pending)
        pending.facts.extend(facts_rows)
        kept = pending.deltas
        for key, value in deltas.items():
            kept[key] = kept.get(key, 0) + value

    def write_pending(self) -> None:
        """What ``log_and_add`` holds for this transaction, now (before reading figures)."""
        pending = self.session.info.pop(_PENDING, None)
        if pending is None or pending.transaction is not self.session.get_transaction():
            return
        if pending.facts:
            self.append_facts(pending.facts)
        self.add_to_figures({key: value for key, value in pending.deltas.items() if value})

    def facts_after(self, seq: int, limit: int) -> list[Any]:
        return list(self.session.execute(
            select(facts).where(facts.c.seq > seq).order_by(facts.c.seq).limit(limit)))

    def empty_read_models(self) -> None:
        _drop_cached(self.session, None)
        for table in DERIVED:
            self.session.execute(delete(table))

    # -- figures ------------------------------------------------------------------------
    def add_to_figures(self, deltas: Mapping[FigureKey, Decimal]) -> None:
        if not deltas:
            return
        statement, parameters = _figure_upsert(self.dialect)
        rows: list[dict[str, Any]]
        if self.dialect != "postgresql":
            rows = [{"measure": measure, "period": period, "starts_on": starts_on,
                     "dimension": dimension, "member": member, "value": value}
                    for (measure, period, starts_on, dimension, member), value in deltas.items()]
        else:
            # PostgreSQL reads the rows from JSON: a decimal travels as its text, and so does
            # a day (each written once, not by the encoder's per-value hook). In the order of
            # the primary key, so the upsert walks its index forwards.
            days: dict[date, str] = {}
            rows = [{"measure": measure, "dimension": dimension, "period": period,
                     "starts_on": days.get(starts_on) or days.setdefault(
                         starts_on, starts_on.isoformat()),
                     "member": member, "value": str(value)}
                    for (measure, period, starts_on, dimension, member), value in sorted(
                        deltas.items(), key=_primary_key_order)]
        self.session.execute(statement, parameters(rows))

    def day_figures(self, dimension: str, members: Iterable[str]
                    ) -> list[tuple[str, date, str, Decimal]]:
        """(measure, day, member, value) of the given members, by day, those not zero."""
        wanted = list(set(members))
        if not wanted:
            return []
        self.write_pending()
        return [(row.measure, row.starts_on, row.member, row.value)
                for row in self.session.execute(
                    select(figures.c.measure, figures.c.starts_on, figures.c.member,
                           figures.c.value)
                    .where(figures.c.measure.in_(MEASURES),  # the primary key's first column
                           figures.c.dimension == dimension, figures.c.period == DAY,
                           figures.c.member.in_(wanted), figures.c.value != 0))]

    # -- units, authorities, jurisdiction ------------------------------------------------
    def keep_units(self, rows: list[dict[str, Any]]) -> None:
        self._forget_places()
        upsert_newer(self.session, units, ["unit_code"], rows)

    def keep_authorities(self, rows: list[dict[str, Any]]) -> None:
        upsert_newer(self.session, authorities, ["authority_code"], rows)

    def keep_jurisdiction_changes(self, rows: list[dict[str, Any]]) -> None:
        self._forget_places()
        statement, parameters = insert_rows(
            self.dialect, jurisdiction_changes,
            ("unit_code", "effective_from", "from_authority", "to_authority"))
        self.session.execute(statement.on_conflict_do_nothing(), parameters(rows))

    def places(self, codes: Iterable[str]) -> dict[str, tuple[UnitPlace,
                                                              list[JurisdictionChange]]]:
        """Each known unit as last announced, with its jurisdiction history. Kept for the
        rest of the transaction (a consumer's batch holds several runs of events, most of
        the same units), until a unit or a jurisdiction change is written."""
        wanted_codes = set(codes)  # read twice below: a generator would be spent by the first
        cache = self._cache(_PLACES)
        wanted = [code for code in wanted_codes if code not in cache]
        if wanted:
            for code in wanted:
                cache[code] = None
            changes: dict[str, list[JurisdictionChange]] = {}
            found: dict[str, UnitPlace] = {}
            # One round trip: each unit with its changes, if any (most have none).
            for row in self.session.execute(
                    select(units.c.unit_code, units.c.unit_type, units.c.county_code,
                           units.c.authority_code, jurisdiction_changes.c.effective_from,
                           jurisdiction_changes.c.from_authority, jurisdiction_changes.c.to_authority)
                    .outerjoin(jurisdiction_changes,
                               jurisdiction_changes.c.unit_code == units.c.unit_code)
                    .where(units.c.unit_code.in_(wanted))):
                found[row.unit_code] = UnitPlace(row.unit_code, row.unit_type, row.county_code,
                                                 row.authority_code)
                if row.effective_from is not None:
                    changes.setdefault(row.unit_code, []).append(JurisdictionChange(
                        row.effective_from, row.from_authority, row.to_authority))
            for code, place in found.items():
                cache[code] = (replace(place, shares_kept=code in changes),
                               changes.get(code, []))
        return {code: cache[code] for code in wanted_codes if cache.get(code) is not None}

    def _cache(self, name: str) -> dict[str, Any]:
        cache = self.session.info.get(name)
        if cache is None:
            cache = self.session.info[name] = {}
            if not event.contains(self.session, "after_soft_rollback", _drop_cached):
                # A savepoint rolled back (one event parked, the rest applied) may have held
                # units or courses the caches read: read them again.
                event.listen(self.session, "after_soft_rollback", _drop_cached)
        return cache

    def _forget_places(self) -> None:
        _drop_cached(self.session, None)

    def keep_unit_lights(self, rows: list[dict[str, Any]]) -> None:
        upsert_newer(self.session, unit_lights, ["unit_code", "year"], rows)

    # -- courses ------------------------------------------------------------------------
    def add_courses(self, rows: list[dict[str, Any]]) -> None:
        """Courses not known before (the caller read them first, by the batch's ids)."""
        self._forget_courses(row["course_id"] for row in rows)
        if rows:
            self.session.execute(courses.insert(), [
                {**row, "hours": None if row["hours"] is None else Decimal(row["hours"])}
                for row in rows])

    def set_course_hours(self, hours: Mapping[str, Decimal]) -> None:
        self._forget_courses(hours)
        for course_id, value in hours.items():
            self.session.execute(courses.update().where(courses.c.course_id == course_id)
                                 .values(hours=Decimal(value)))

    def courses_of(self, ids: Iterable[str]) -> dict[str, Any]:
        """The known ones of these courses. Kept for the rest of the transaction, like the
        units (``places``): a live batch holds many short runs of the same courses'
        enrolments; a course written here is read again."""
        wanted_ids = set(ids)
        cache = self._cache(_COURSES)
        missing = [course_id for course_id in wanted_ids if course_id not in cache]
        if missing:
            for course_id in missing:
                cache[course_id] = None
            for row in self.session.execute(
                    _rows_of(self.dialect, courses, courses.c.course_id, missing)):
                cache[row.course_id] = row
        return {course_id: cache[course_id] for course_id in wanted_ids
                if cache.get(course_id) is not None}

    def _forget_courses(self, ids: Iterable[str]) -> None:
        cache = self.session.info.get(_COURSES)
        if cache:
            for course_id in ids:
                cache.pop(course_id, None)

    def mark_courses(self, ids: Iterable[str], **flags: bool) -> None:
        wanted = list(set(ids))
        self._forget_courses(wanted)
        if wanted:
            self.session.execute(courses.update().where(courses.c.course_id.in_(wanted))
                                 .values(**flags))

    # -- courses named after a meeting ---------------------------------------------------
    def meeting_courses_of(self, ids: Iterable[str]) -> dict[str, bool | None]:
        return {row.course_id: row.meeting_only for row in self.session.execute(
            select(meeting_courses).where(meeting_courses.c.course_id.in_(list(set(ids)))))}

    def keep_meeting_courses(self, new: Mapping[str, bool | None],
                             told_only: Mapping[str, bool]) -> None:
        """``new``: courses not known before; ``told_only``: known ones whose v2 came."""
        if new:
            self.session.execute(meeting_courses.insert(), [
                {"course_id": course_id, "meeting_only": only} for course_id, only in new.items()])
        for course_id, only in told_only.items():
            self.session.execute(meeting_courses.update()
                                 .where(meeting_courses.c.course_id == course_id)
                                 .values(meeting_only=only))

    # -- hours issued -------------------------------------------------------------------
    def hour_lines_of(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Any]:
        wanted = list(set(keys))
        if not wanted:
            return {}
        statement, parameters = _with_keys(self.dialect, hour_lines, hour_lines.c.course_id,
                                           hour_lines.c.account_id, wanted)
        return {(row.course_id, row.account_id): row
                for row in self.session.execute(statement, parameters)}

    def keep_hour_lines(self, rows: list[dict[str, Any]]) -> None:
        upsert_newer(self.session, hour_lines, ["course_id", "account_id"],
                     [{**row, "hours": str(row["hours"])} if self.dialect == "postgresql"
                      else row for row in rows])

    # -- transfer -----------------------------------------------------------------------
    def transfer_records_of(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Any]:
        wanted = list(set(keys))
        if not wanted:
            return {}
        statement, parameters = _with_keys(self.dialect, transfer_records,
                                           transfer_records.c.source,
                                           transfer_records.c.record_key, wanted)
        return {(row.source, row.record_key): row
                for row in self.session.execute(statement, parameters)}

    def keep_transfer_records(self, rows: list[dict[str, Any]]) -> None:
        upsert_newer(self.session, transfer_records, ["source", "record_key"],
                     [{**row, "hours": str(row["hours"])} if self.dialect == "postgresql"
                      else row for row in rows])

    def count_transfer_courses(self, changes: Mapping[tuple[str, str, date], int]) -> list[
            tuple[str, date, int]]:
        """Adds live records to transfer courses; answers (source, starts_on, +1/-1) for each
        course that started (0 → some) or stopped (some → 0) being held."""
        keys = list({(source, key) for source, key, _day in changes})
        kept: dict[tuple[str, str], int] = {}
        if keys:
            statement, parameters = _with_keys(self.dialect, transfer_courses,
                                               transfer_courses.c.source,
                                               transfer_courses.c.course_key, keys)
            kept = {(row.source, row.course_key): row.live_records
                    for row in self.session.execute(statement, parameters)}
        held: list[tuple[str, date, int]] = []
        rows = []
        for (source, key, day), change in changes.items():
            before = kept.get((source, key))
            after = (before or 0) + change
            rows.append({"source": source, "course_key": key, "starts_on": day,
                         "live_records": after})
            if (before or 0) == 0 and after > 0:
                held.append((source, day, 1))
            elif (before or 0) > 0 and after == 0:
                held.append((source, day, -1))
        if rows:  # one statement for the batch's courses, each once
            statement, parameters = _transfer_course_upsert(self.dialect)
            self.session.execute(statement, parameters(rows))
        return held

    # -- visitors -----------------------------------------------------------------------
    def new_visitors(self, pairs: set[tuple[date, str]]) -> list[tuple[date, str]]:
        """The (day, account) pairs not seen before, now kept."""
        if not pairs:
            return []
        statement, parameters = insert_rows(self.dialect, visitors, ("day", "account_id"))
        rows = [{"day": day, "account_id": account} for day, account in pairs]
        written = self.session.execute(
            statement.on_conflict_do_nothing().returning(visitors.c.day, visitors.c.account_id),
            parameters(rows))
        return [(row.day, row.account_id) for row in written]

