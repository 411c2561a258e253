"""Records by year (R-TRF-12): sealing a year makes its records read-only; on PostgreSQL
the records are partitioned by the course's start year, a sealed year's partitions refuse
writes and can be detached, and migration 0006 converts a live table with its rows.
Migration 0009 gives each course kept its place under the duplicate rule. Re-announcing
the records (stats backfill) with stable event ids."""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from transfer_helpers import TEACHERS, open_source, outbox_events

from contracts.events.transfer import RECORD_ADDED
from servicekit.bus.tables import outbox
from servicekit.db import Database
from servicekit.errors import Conflict
from servicekit.migrations import alembic_config, upgrade
from services.transfer.adapters.duplicates_repo import Duplicates
from services.transfer.adapters.records_repo import seal_year
from services.transfer.bootstrap import DEFINITION
from services.transfer.domain.titles import title_digest
from services.transfer.handlers.records_admin import (
    announce_records,
    announced_event_id,
    seal,
)

IDS = list(TEACHERS)


def course(key: str, start: str) -> dict:
    return {"source_course_key": key, "title": "閱讀教學研習", "organiser_unit_code": "313301",
            "county_code": "TPE", "start_date": start, "end_date": start, "hours": "3",
            "class_type": "研習", "category": "語文"}


def attendee(key: str, n: int, on: str) -> dict:
    return {"source_course_key": key, "teacher_id": IDS[n], "teacher_name": "王小明",
            "school_code": "313502", "hours": "3", "completed_on": on}


@contextmanager
def _source_at(make_database: Any, revision: str) -> Iterator[tuple[Database, Any, str]]:
    """A transfer database on PostgreSQL migrated to ``revision`` with one production
    source, ``s1``; its alembic configuration, and the moment rows are written at."""
    database = Database(make_database("transfer"))
    try:
        config = alembic_config(DEFINITION.migrations_dir, database)
        command.upgrade(config, revision)
        at = "2026-12-01T00:00:00+00:00"
        with database.engine.begin() as db:
            db.execute(sa.text("INSERT INTO sources (code, name, owner_unit, mode, state, "
                               "version, created_at) VALUES ('s1', 'S', '313301', "
                               "'daily_push', 'production', 1, :at)"), {"at": at})
        yield database, config, at
    finally:
        database.dispose()


def _records(api) -> dict:
    return api.push("tpe-edu", {
        "courses": [course("Y13", "2013-05-02"), course("Y14", "2014-05-02")],
        "attendance": [attendee("Y13", n, "2013-05-02") for n in range(3)] +
                      [attendee("Y14", n, "2014-05-02") for n in range(2)]}).json


def _clock(api):
    return api.runtime.clock


def _seal_and_check(api) -> None:
    open_source(api)
    assert _records(api)["counts"]["attendance"]["added"] == 5
    assert seal(api.runtime.components.unit_of_work(), _clock(api), 2013, "ops-1")["sealed"]
    with pytest.raises(Conflict):
        seal(api.runtime.components.unit_of_work(), _clock(api), 2013, "ops-1")
    changed = dict(course("Y13", "2013-05-02"), title="改過的標題")
    answer = api.push("tpe-edu", {
        "courses": [changed, dict(course("Y14", "2014-05-02"), hours="4")],
        "attendance": [attendee("Y13", 9, "2013-05-02"), attendee("Y14", 9, "2014-05-02")],
        "withdrawals": [{"source_course_key": "Y13", "reason": "取消"},
                        {"source_course_key": "Y13", "teacher_id": IDS[0], "reason": "誤植"}]
    }).json
    codes = {(e["part"], e["row"]): e["code"] for e in answer["errors"]}
    assert codes == {("courses", 1): "sealed-year", ("attendance", 1): "sealed-year",
                     ("withdrawals", 1): "sealed-year", ("withdrawals", 2): "sealed-year"}
    assert answer["counts"]["courses"]["changed"] == 1
    assert answer["counts"]["attendance"]["added"] == 1
    # Moving a course of an open year into the sealed one is refused too.
    moved = api.push("tpe-edu", {"courses": [course("Y14", "2013-12-01")]}).json
    assert [e["code"] for e in moved["errors"]] == ["sealed-year"]
    assert api.call("get", "/sources/tpe-edu").json["counts"] == {"courses": 2,
                                                                  "attendance": 6}


def test_a_sealed_year_refuses_every_write_on_sqlite(api) -> None:
    _seal_and_check(api)


@pytest.mark.postgres
def test_records_live_in_year_partitions_and_a_sealed_one_is_read_only(pg_api) -> None:
    _seal_and_check(pg_api)
    engine = pg_api.runtime.database.engine
    with engine.connect() as db:
        per_partition = dict(db.execute(sa.text(
            "SELECT tableoid::regclass::text, count(*) FROM transfer_attendance GROUP BY 1")).all())
        assert per_partition == {"transfer_attendance_y2013": 3, "transfer_attendance_y2014": 3}
        kind = db.execute(sa.text("SELECT relkind FROM pg_class "
                                  "WHERE relname = 'transfer_courses'")).scalar()
        assert kind == "p"
    # Below the application too: the sealed partition refuses a write, even through its
    # parent.
    for statement in ("UPDATE transfer_attendance SET hours = 9 WHERE start_year = 2013",
                      "DELETE FROM transfer_courses_y2013"):
        with pytest.raises(sa.exc.DBAPIError, match="sealed"), engine.begin() as db:
            db.execute(sa.text(statement))
    # The documented detach: the year leaves the live tables and stays as its own tables.
    with engine.begin() as db:
        for table in ("transfer_attendance", "transfer_courses"):
            db.execute(sa.text(f"ALTER TABLE {table} DETACH PARTITION {table}_y2013"))
    with engine.connect() as db:
        assert db.execute(sa.text("SELECT count(*) FROM transfer_attendance")).scalar() == 3
        assert db.execute(sa.text("SELECT count(*) FROM transfer_attendance_y2013")
                          ).scalar() == 3
    assert pg_api.call("get", "/sources/tpe-edu/counts").json == [
        {"month": "2014-05", "courses": 1, "attendance": 3}]


@pytest.mark.postgres
def test_a_course_moved_to_another_year_takes_its_attendance_along(pg_api) -> None:
    open_source(pg_api)
    _records(pg_api)
    answer = pg_api.push("tpe-edu", {"courses": [course("Y13", "2015-01-10")]}).json
    assert answer["counts"]["courses"]["changed"] == 1
    with pg_api.runtime.database.engine.connect() as db:
        rows = db.execute(sa.text(
            "SELECT tableoid::regclass::text, start_year, version FROM transfer_attendance "
            "WHERE course_key = 'Y13'")).all()
    assert {tuple(row) for row in rows} == {("transfer_attendance_y2015", 2015, 2)}
    again = pg_api.push("tpe-edu", {"attendance": [attendee("Y13", n, "2013-05-02")
                                                   for n in range(3)]}).json
    assert again["counts"]["attendance"]["unchanged"] == 3


@pytest.mark.postgres
def test_migration_0006_partitions_a_live_table_with_its_rows(make_database) -> None:
    with _source_at(make_database, "0004") as (database, config, at):
        with database.engine.begin() as db:
            for key, start in (("K1", "2013-02-01"), ("K2", "2019-09-01")):
                db.execute(sa.text(
                    "INSERT INTO transfer_courses VALUES ('s1', :key, 'd', 't', '313301', "
                    "'TPE', :start, :start, 3, '研習', '語文', '[]', '[]', false, 1, NULL, :at)"),
                    {"key": key, "start": date.fromisoformat(start), "at": at})
                for n in range(4):
                    db.execute(sa.text(
                        "INSERT INTO transfer_attendance VALUES ('s1', :key, :account, 'd', "
                        "'313502', 3, :start, false, 1, NULL, :at)"),
                        {"key": key, "account": f"acc-{n}", "start": date.fromisoformat(start),
                         "at": at})
            # What another migration may have added meanwhile: carried over as it is.
            db.execute(sa.text("ALTER TABLE transfer_attendance ADD COLUMN linked_to "
                               "varchar(100)"))
            db.execute(sa.text("UPDATE transfer_attendance SET linked_to = 'x' "
                               "WHERE account_id = 'acc-0'"))
            db.execute(sa.text("CREATE INDEX ix_transfer_attendance_linked_to "
                               "ON transfer_attendance (linked_to)"))
        upgrade(DEFINITION.migrations_dir, database)
        with database.engine.connect() as db:
            assert db.execute(sa.text("SELECT count(*) FROM transfer_attendance "
                                      "WHERE linked_to = 'x'")).scalar() == 2
            assert "ix_transfer_attendance_linked_to" in {
                i["name"] for i in sa.inspect(db).get_indexes("transfer_attendance")}
            placed = db.execute(sa.text(
                "SELECT tableoid::regclass::text, start_year, count(*) FROM transfer_attendance "
                "GROUP BY 1, 2 ORDER BY 2")).all()
            assert [tuple(row) for row in placed] == [("transfer_attendance_y2013", 2013, 4),
                                                      ("transfer_attendance_y2019", 2019, 4)]
            years = db.execute(sa.text("SELECT course_key, start_year FROM transfer_courses "
                                       "ORDER BY 1")).all()
            assert [tuple(row) for row in years] == [("K1", 2013), ("K2", 2019)]
        command.downgrade(config, "0004")
        with database.engine.connect() as db:
            assert db.execute(sa.text("SELECT count(*) FROM transfer_attendance")).scalar() == 8
            assert db.execute(sa.text("SELECT count(*) FROM transfer_attendance "
                                      "WHERE linked_to = 'x'")).scalar() == 2
            assert db.execute(sa.text("SELECT relkind FROM pg_class "
                                      "WHERE relname = 'transfer_attendance'")).scalar() == "r"


def test_announce_records_sends_every_live_record_again_with_stable_ids(api) -> None:
    open_source(api)
    _records(api)
    api.push("tpe-edu", {"withdrawals": [{"source_course_key": "Y14", "teacher_id": IDS[1],
                                          "reason": "誤植"}]})
    before = len(outbox_events(api.runtime, RECORD_ADDED))
    assert announce_records(api.runtime.components.unit_of_work(), batch=2) == {"announced": 4}
    with api.runtime.database.engine.begin() as db:
        announced = db.execute(sa.select(outbox.c.event_id, outbox.c.body).where(
            outbox.c.event_type == RECORD_ADDED).order_by(outbox.c.position)
            .offset(before)).all()
        db.execute(sa.update(outbox).values(sent_at=sa.func.current_timestamp()))
    data = [json.loads(body)["data"] for _, body in announced]
    assert sorted(d["record_key"] for d in data) == sorted(
        [f"Y13/{TEACHERS[IDS[n]]}" for n in range(3)] + [f"Y14/{TEACHERS[IDS[0]]}"])
    assert {event_id for event_id, _ in announced} == {
        announced_event_id("tpe-edu", d["record_key"], d["version"]) for d in data}
    # Again: the same ids, queued again (unsent) rather than added twice.
    assert announce_records(api.runtime.components.unit_of_work())["announced"] == 4
    with api.runtime.database.engine.connect() as db:
        rows = db.execute(sa.select(outbox.c.event_id, outbox.c.sent_at).where(
            outbox.c.event_id.in_([event_id for event_id, _ in announced]))).all()
    assert len(rows) == 4 and all(sent is None for _, sent in rows)


@pytest.mark.postgres
def test_migration_0009_keeps_each_courses_place_and_drops_the_match_keys(make_database) -> None:
    """Courses kept before revision 0009 get their title digest — a sealed year's too,
    whose partitions refuse every write again afterwards — and the probe finds their
    records by it; going back rebuilds the live production records' keys."""
    with _source_at(make_database, "0008") as (database, config, at):
        with database.engine.begin() as db:
            for key, start, title in (("K1", "2013-02-01", "閱讀（進階）"),
                                      ("K2", "2019-09-01", "數學 研習")):
                year = int(start[:4])
                for table in ("transfer_courses", "transfer_attendance"):
                    db.execute(sa.text(f"CREATE TABLE IF NOT EXISTS {table}_y{year} PARTITION "
                                       f"OF {table} FOR VALUES FROM ({year}) TO ({year + 1})"))
                db.execute(sa.text(
                    "INSERT INTO transfer_courses (source, course_key, start_year, digest, "
                    "title, organiser_unit_code, county_code, start_date, end_date, hours, "
                    "class_type, category, tags, lecturers, trial, version, updated_at) "
                    "VALUES ('s1', :key, :year, 'd', :title, '313301', 'TPE', :start, :start, "
                    "3, '研習', '語文', '[]', '[]', false, 1, :at)"),
                    {"key": key, "year": year, "title": title, "at": at,
                     "start": date.fromisoformat(start)})
                db.execute(sa.text(
                    "INSERT INTO transfer_attendance (source, course_key, account_id, "
                    "start_year, digest, school_code, hours, completed_on, trial, version, "
                    "withdrawn_reason, updated_at) VALUES ('s1', :key, 'acc-1', :year, 'd', "
                    "'313502', 3, :start, false, 1, NULL, :at), ('s1', :key, 'acc-2', :year, "
                    "'d', '313502', 3, :start, false, 1, '誤報', :at)"),
                    {"key": key, "year": year, "at": at, "start": date.fromisoformat(start)})
        with database.session() as session:
            seal_year(session, 2013, "ops-1", datetime(2026, 12, 1, tzinfo=UTC))
            session.commit()
        upgrade(DEFINITION.migrations_dir, database)
        with database.engine.connect() as db:
            kept = db.execute(sa.text("SELECT course_key, title_digest FROM transfer_courses "
                                      "ORDER BY 1")).all()
            assert [tuple(row) for row in kept] == [("K1", title_digest("閱讀(進階)")),
                                                    ("K2", title_digest("數學研習"))]
            assert sa.inspect(db).has_table("match_keys") is False
        with pytest.raises(sa.exc.DBAPIError, match="sealed"), database.engine.begin() as db:
            db.execute(sa.text("UPDATE transfer_courses SET version = 2 WHERE course_key = 'K1'"))
        with database.session() as session:
            places = [("313301", date(2013, 2, 1), title_digest("閱讀(進階)"), "acc-1"),
                      ("313301", date(2019, 9, 1), title_digest("數學研習"), "acc-1"),
                      ("313301", date(2019, 9, 1), title_digest("數學研習"), "acc-2")]
            assert Duplicates(session).matches("s2", places) == {
                places[0]: ("s1", "K1"), places[1]: ("s1", "K2")}  # acc-2's are withdrawn
        command.downgrade(config, "0008")
        with database.engine.connect() as db:
            keys = db.execute(sa.text("SELECT course_key, account_id, title_digest "
                                      "FROM match_keys ORDER BY 1")).all()
            assert [tuple(row) for row in keys] == [("K1", "acc-1", title_digest("閱讀(進階)")),
                                                    ("K2", "acc-1", title_digest("數學研習"))]
