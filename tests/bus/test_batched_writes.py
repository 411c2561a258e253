"""The consumer's batched writes on PostgreSQL, where each batch's inbox claim and each
run's replica upsert are one statement (``servicekit.db.insert_rows``, the rows as one
JSON document): the same outcome as applying the events one by one, in queue order, and
every value read back exactly as it was given."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy.exc
from sqlalchemy import select

from servicekit.bus.consumer import BatchOutcome
from servicekit.bus.tables import inbox
from servicekit.bus.transport import Delivery
from servicekit.db import insert_rows
from servicekit.events import Envelope
from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.testing.runtimes import migrated
from services.courses.adapters.orm import routing_rule_replica, unit_replica
from services.courses.bootstrap import DEFINITION as COURSES

pytestmark = pytest.mark.postgres


@pytest.fixture
def courses(make_database, tmp_path) -> Iterator[Runtime]:  # type: ignore[no-untyped-def]
    settings = Settings.from_env("courses", {"DATABASE_URL": make_database("courses"),
                                             "BROKER_URL": "memory://",
                                             "DATA_DIR": str(tmp_path)})
    runtime = migrated(Runtime(COURSES, settings))
    yield runtime
    runtime.database.dispose()


class Reader:
    """Stands in for the broker: only what the consumer settled is looked at."""

    def __init__(self) -> None:
        self.acked: list[int] = []

    def settle(self, ack, requeue, dead) -> None:  # type: ignore[no-untyped-def]
        assert not requeue and not dead
        self.acked += [delivery.tag for delivery in ack]


def unit_event(code: str, name: str, version: int, event_id: str | None = None) -> Envelope:
    extra = {"id": event_id} if event_id else {}
    return Envelope(type="accounts.unit.registered.v1", source="accounts", correlation_id="c",
                    data={"unit_code": code, "name": name, "unit_type": "elementary_school",
                          "authority_code": "TPE", "version": version}, **extra)


def deliver(courses: Runtime, envelopes: list[Envelope]) -> tuple[BatchOutcome, list[int]]:
    [subscription] = courses.subscriptions()
    reader = Reader()
    deliveries = [Delivery(body=envelope.to_json(), headers={}, properties={}, tag=tag)
                  for tag, envelope in enumerate(envelopes, start=1)]
    return courses.consumer(subscription).process(reader, deliveries), reader.acked  # type: ignore[arg-type]


def names(courses: Runtime) -> dict[str, tuple[str, int]]:
    with courses.database.engine.connect() as connection:
        return {row.code: (row.name, row.version) for row in connection.execute(
            select(unit_replica.c.code, unit_replica.c.name, unit_replica.c.version))}


def test_one_unit_changed_several_times_in_one_batch_ends_as_applied_in_order(courses) -> None:  # type: ignore[no-untyped-def]
    outcome, acked = deliver(courses, [
        unit_event("U1", "first", 1), unit_event("U2", "other", 1),
        unit_event("U1", "third", 3), unit_event("U1", "second", 2),
        unit_event("U1", "third again", 3)])
    assert (outcome.applied, outcome.duplicates) == (5, 0) and acked == [1, 2, 3, 4, 5]
    # In order: version 3 wins, and a later event of the same version does not overwrite it.
    assert names(courses) == {"U1": ("third", 3), "U2": ("other", 1)}
    outcome, _ = deliver(courses, [unit_event("U1", "late", 2), unit_event("U1", "same", 3),
                                   unit_event("U2", "renamed", 2)])
    assert outcome.applied == 3
    assert names(courses) == {"U1": ("third", 3), "U2": ("renamed", 2)}


def test_an_event_twice_in_one_batch_and_again_later_is_applied_once(courses) -> None:  # type: ignore[no-untyped-def]
    event_id = "0b6f3d0e-2f4a-4c1e-9a57-6a1f2b3c4d5e"
    outcome, acked = deliver(courses, [unit_event("U1", "once", 1, event_id),
                                       unit_event("U1", "once", 1, event_id)])
    assert (outcome.applied, outcome.duplicates) == (1, 1) and acked == [1, 2]
    outcome, _ = deliver(courses, [unit_event("U1", "once", 1, event_id)])
    assert (outcome.applied, outcome.duplicates) == (0, 1)
    with courses.database.engine.connect() as connection:
        assert connection.execute(select(inbox.c.event_id)).scalars().all() == [event_id]


def test_a_value_too_long_for_its_column_is_refused_not_cut(courses) -> None:  # type: ignore[no-untyped-def]
    statement, parameters = insert_rows("postgresql", inbox,
                                        ("consumer", "event_id", "event_type", "applied_at"))
    row = {"consumer": "courses.events", "event_id": "e" * 37, "event_type": "t",
           "applied_at": datetime.now(UTC)}  # event_id is VARCHAR(36)
    with pytest.raises(sqlalchemy.exc.DataError, match="value too long"):
        with courses.database.session() as session:
            session.execute(statement, parameters([row]))
    with courses.database.engine.connect() as connection:
        assert connection.execute(select(inbox.c.event_id)).scalars().all() == []


def test_values_come_back_as_they_were_given(courses) -> None:  # type: ignore[no-untyped-def]
    statement, parameters = insert_rows("postgresql", unit_replica, (
        "code", "name", "unit_type", "authority_code", "county_code", "version", "updated_at"))
    written = {"code": "U-1", "name": '建國 "中學" \\ 😀 \n end', "unit_type": "x",
               "authority_code": "TPE", "county_code": None, "version": 2_000_000_000,
               "updated_at": datetime(2026, 12, 3, 17, 4, 5, 123456,
                                      tzinfo=timezone(timedelta(hours=8)))}
    with courses.database.session() as session:
        session.execute(statement, parameters([written]))
    with courses.database.engine.connect() as connection:
        [row] = connection.execute(select(unit_replica)).mappings().all()
    assert dict(row) == written


def test_a_routing_rule_keeps_its_date(courses) -> None:  # type: ignore[no-untyped-def]
    rule = Envelope(type="accounts.review_routing.changed.v1", source="accounts",
                    correlation_id="c", data={"rule_id": "R1", "unit_type": "elementary_school",
                                              "reviewer": "fixed", "fixed_authority_code": "TPE",
                                              "effective_from": "2027-02-28", "version": 1})
    outcome, _ = deliver(courses, [rule])
    assert outcome.applied == 1
    with courses.database.engine.connect() as connection:
        [row] = connection.execute(select(routing_rule_replica)).mappings().all()
    assert (row["effective_from"], row["reviewer"]) == (date(2027, 2, 28), "fixed")
