"""``servicekit.replica.upsert_newer``, the one "newer version wins" write of every
replica: a late, repeated or out-of-order event never overwrites a newer one, on SQLite
and on PostgreSQL."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Boolean, Column, Integer, String, Table, insert, select

from servicekit.columns import UtcDateTime
from servicekit.db import Database, new_metadata
from servicekit.replica import upsert_newer

metadata = new_metadata()
things = Table("things", metadata, Column("code", String(8), primary_key=True),
               Column("name", String(40), nullable=False),
               Column("active", Boolean, nullable=False),
               Column("version", Integer, nullable=False),
               Column("updated_at", UtcDateTime, nullable=True))
pairs = Table("pairs", metadata, Column("left", String(8), primary_key=True),
              Column("right", String(8), primary_key=True),
              Column("name", String(40), nullable=False),
              Column("version", Integer, nullable=False))
NOON = datetime(2026, 12, 3, 12, tzinfo=UTC)
NAIVE_NOON = datetime(2026, 12, 3, 12)  # noqa: DTZ001 -- naive on purpose: what is refused


def thing(code: str, name: str, version: int, active: bool = True) -> dict[str, object]:
    return {"code": code, "name": name, "active": active, "version": version}


def kept(database) -> dict[str, tuple]:  # type: ignore[no-untyped-def, type-arg]
    with database.session() as session:
        return {row.code: (row.name, row.active, row.version) for row in session.execute(
            select(things.c.code, things.c.name, things.c.active, things.c.version))}


def upsert(database, rows, **options):  # type: ignore[no-untyped-def]
    with database.session() as session:
        return upsert_newer(session, things, ["code"], rows, **options)


def seeded(database):  # type: ignore[no-untyped-def]
    metadata.create_all(database.engine)
    with database.session() as session:
        session.execute(insert(things), [thing("A", "a v2", 2), thing("B", "b v2", 2)])
    return database


def test_a_new_key_is_inserted_with_the_shared_values(empty_database: Database) -> None:
    database = seeded(empty_database)
    upsert(database, [thing("C", "c v1", 1)], shared={"updated_at": NOON})
    assert kept(database)["C"] == ("c v1", True, 1)
    with database.session() as session:
        assert session.scalar(select(things.c.updated_at).where(things.c.code == "C")) == NOON


def test_an_older_version_is_ignored(empty_database: Database) -> None:
    database = seeded(empty_database)
    assert upsert(database, [thing("A", "a v1", 1)], report_written=True) == set()
    assert kept(database)["A"] == ("a v2", True, 2)


def test_the_same_version_again_is_ignored(empty_database: Database) -> None:
    database = seeded(empty_database)
    assert upsert(database, [thing("A", "a v2 again", 2)], report_written=True) == set()
    assert kept(database)["A"] == ("a v2", True, 2)


def test_a_newer_version_is_applied(empty_database: Database) -> None:
    database = seeded(empty_database)
    assert upsert(database, [thing("A", "a v3", 3)], report_written=True) == {("A",)}
    assert kept(database) == {"A": ("a v3", True, 3), "B": ("b v2", True, 2)}


def test_a_mixed_batch_keeps_the_newest_of_each_key(empty_database: Database) -> None:
    database = seeded(empty_database)
    written = upsert(database, [
        thing("A", "a v4", 4), thing("A", "a v3", 3), thing("A", "a v4 later", 4),
        thing("B", "b v1", 1), thing("C", "c v1", 1), thing("C", "c v2", 2),
        thing("D", "d v5", 5)], report_written=True)
    assert written == {("A",), ("C",), ("D",)}
    assert kept(database) == {"A": ("a v4", True, 4), "B": ("b v2", True, 2),
                              "C": ("c v2", True, 2), "D": ("d v5", True, 5)}


def test_without_report_nothing_is_returned(empty_database: Database) -> None:
    database = seeded(empty_database)
    assert upsert(database, [thing("A", "a v3", 3)]) is None
    assert upsert(database, []) is None
    assert kept(database)["A"] == ("a v3", True, 3)


def test_a_tie_is_won_only_by_the_named_values(empty_database: Database) -> None:
    """As a revocation carrying the grant's own version still ends it."""
    database = seeded(empty_database)
    ends = {"active": False}
    assert upsert(database, [thing("A", "a v2 again", 2)], tie_wins_when=ends,
                  report_written=True) == set()
    assert upsert(database, [thing("A", "a v2 ended", 2, active=False)], tie_wins_when=ends,
                  report_written=True) == {("A",)}
    upsert(database, [thing("B", "b v2 ended", 2, active=False), thing("B", "b v2", 2),
                      thing("B", "b v1 ended", 1, active=False)], tie_wins_when=ends)
    assert kept(database) == {"A": ("a v2 ended", False, 2), "B": ("b v2 ended", False, 2)}


def test_keys_of_several_columns(empty_database: Database) -> None:
    database = empty_database
    metadata.create_all(database.engine)
    with database.session() as session:
        upsert_newer(session, pairs, ["left", "right"], [
            {"left": "x", "right": "1", "name": "x1 v1", "version": 1},
            {"left": "x", "right": "2", "name": "x2 v1", "version": 1}])
        upsert_newer(session, pairs, ["left", "right"], [
            {"left": "x", "right": "1", "name": "x1 v2", "version": 2},
            {"left": "x", "right": "2", "name": "x2 v0", "version": 0}])
    with database.session() as session:
        assert sorted(session.execute(select(pairs.c.left, pairs.c.right, pairs.c.name))) == [
            ("x", "1", "x1 v2"), ("x", "2", "x2 v1")]


def test_a_naive_moment_in_a_row_is_refused(empty_database: Database) -> None:
    """Rows reach PostgreSQL as JSON, past the column type: refused there too, never read
    in the session's zone."""
    database = seeded(empty_database)
    with pytest.raises(Exception) as raised:
        upsert(database, [{**thing("C", "c v1", 1), "updated_at": NAIVE_NOON}])
    assert "a UTC column needs an aware datetime, not datetime.datetime(2026, 12, 3, 12, 0)" \
        in str(raised.value)
    assert "C" not in kept(database)


def test_an_aware_moment_in_a_row_is_kept_as_utc(empty_database: Database) -> None:
    database = seeded(empty_database)
    taipei = timezone(timedelta(hours=8))
    upsert(database, [{**thing("C", "c v1", 1),
                       "updated_at": datetime(2026, 12, 3, 20, tzinfo=taipei)}])
    with database.session() as session:
        assert session.scalar(select(things.c.updated_at).where(things.c.code == "C")) == NOON
