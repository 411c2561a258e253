"""``servicekit.columns.UtcDateTime``, the one datetime column of every table: aware UTC
in, aware UTC out, on both databases; a naive datetime is refused, never guessed at."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, Table, insert, select
from sqlalchemy.exc import StatementError

from servicekit.columns import UtcDateTime
from servicekit.db import Database, new_metadata

metadata = new_metadata()
moments = Table("moments", metadata, Column("id", Integer, primary_key=True),
                Column("at", UtcDateTime, nullable=True))
TAIPEI = timezone(timedelta(hours=8))
NAIVE = datetime(2026, 12, 3, 9, 30)  # noqa: DTZ001 -- naive on purpose: what is refused


def stored_and_read(database, value):  # type: ignore[no-untyped-def]
    metadata.create_all(database.engine)
    with database.session() as session:
        session.execute(insert(moments).values(id=1, at=value))
    with database.session() as session:
        return session.scalar(select(moments.c.at).where(moments.c.id == 1))


def test_an_aware_utc_moment_comes_back_the_same_and_utc(empty_database: Database) -> None:
    back = stored_and_read(empty_database,
                           datetime(2026, 12, 3, 9, 30, 15, 123456, tzinfo=UTC))
    assert back == datetime(2026, 12, 3, 9, 30, 15, 123456, tzinfo=UTC)
    assert back.utcoffset() == timedelta(0)


def test_a_moment_in_another_zone_comes_back_converted_to_utc(empty_database: Database) -> None:
    back = stored_and_read(empty_database, datetime(2026, 12, 3, 1, 0, tzinfo=TAIPEI))
    assert back.tzinfo is not None and back.utcoffset() == timedelta(0)
    assert (back.year, back.month, back.day, back.hour) == (2026, 12, 2, 17)


def test_none_stays_none(empty_database: Database) -> None:
    assert stored_and_read(empty_database, None) is None


def test_a_naive_moment_is_refused_and_nothing_is_written(empty_database: Database) -> None:
    database = empty_database
    metadata.create_all(database.engine)
    with pytest.raises(StatementError) as raised:
        with database.session() as session:
            session.execute(insert(moments).values(id=1, at=NAIVE))
    assert isinstance(raised.value.orig, ValueError)
    assert "a UTC column needs an aware datetime, not datetime.datetime(2026, 12, 3, 9, 30)" \
        in str(raised.value.orig)
    with database.session() as session:
        assert session.scalar(select(moments.c.id)) is None


def test_a_naive_moment_is_refused_in_a_comparison_too(empty_database: Database) -> None:
    database = empty_database
    metadata.create_all(database.engine)
    with pytest.raises(StatementError):
        with database.session() as session:
            session.execute(select(moments.c.id).where(moments.c.at < NAIVE))


def test_every_datetime_column_of_every_table_is_utc() -> None:
    """No table keeps a moment in a plain DateTime (which SQLite would hand back naive)."""
    from sqlalchemy import DateTime

    from servicekit.bus.tables import metadata as messaging
    from services.accounts.adapters.orm import metadata as accounts
    from services.courses.adapters.orm import metadata as courses
    from services.sso.adapters.tables import metadata as sso
    plain = [f"{table.name}.{column.name}" for schema in (messaging, accounts, courses, sso)
             for table in schema.tables.values() for column in table.columns
             if isinstance(column.type, DateTime)]
    assert plain == []
    assert {"outbox.recorded_at", "inbox.applied_at", "accounts.created_at",
            "unit_replica.updated_at", "grants.expires_at"} <= {
        f"{table.name}.{column.name}" for schema in (messaging, accounts, courses, sso)
        for table in schema.tables.values() for column in table.columns
        if isinstance(column.type, UtcDateTime)}
