"""The kit's bulk outbox (servicekit/bus/bulk_outbox.py) validates what its name says: the
first ``CHECKED_PER_TYPE`` events of each type against the contract, the rest not; its
envelopes are otherwise the kit outbox's (tests/accounts/test_accounts_bulk_outbox.py
holds the JSON equal)."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from contracts.events import CATALOGUE
from contracts.events.accounts import ACCOUNT_CREATED
from contracts.events.sso import ACCOUNT_SIGNED_IN
from servicekit.bus import bulk_outbox
from servicekit.bus.bulk_outbox import SpotCheckedBulkOutbox
from servicekit.bus.outbox import Outbox
from servicekit.bus.tables import metadata, outbox
from servicekit.clock import FixedClock
from servicekit.db import Database
from servicekit.events import InvalidEvent

MOMENT = datetime(2026, 12, 3, 6, 30, tzinfo=UTC)


@pytest.fixture
def database(tmp_path):  # type: ignore[no-untyped-def]
    made = Database(f"sqlite:///{tmp_path / 'outbox.sqlite3'}")
    metadata.create_all(made.engine)
    yield made
    made.dispose()


def teacher(number: int, **changes: object) -> dict[str, object]:
    return {"account_id": str(uuid.uuid4()), "login": f"teacher{number:05d}",
            "kind": "teacher", "status": "enabled", "display_name": "王小明", "email": None,
            "unit_code": "353301", "authority_code": None, "county_code": "TPE", "version": 1,
            **changes}


def written(database: Database, events: SpotCheckedBulkOutbox) -> int:
    with database.session() as session:
        return events.write(session)


def test_an_invalid_event_among_the_first_of_its_type_fails_the_write(database, monkeypatch) -> None:
    monkeypatch.setattr(bulk_outbox, "CHECKED_PER_TYPE", 3)
    events = SpotCheckedBulkOutbox(Outbox("accounts", CATALOGUE))
    events.add_many(ACCOUNT_CREATED, [teacher(1), teacher(2), teacher(3, kind="robot")])
    with pytest.raises(InvalidEvent, match="kind"):
        written(database, events)
    with database.session() as session:
        assert session.scalar(select(outbox.c.event_id)) is None  # nothing was stored


def test_events_after_the_first_of_their_type_are_not_validated(database, monkeypatch) -> None:
    """What the name warns of: the caller vouches for these (checked with their rows)."""
    monkeypatch.setattr(bulk_outbox, "CHECKED_PER_TYPE", 3)
    events = SpotCheckedBulkOutbox(Outbox("accounts", CATALOGUE))
    events.add_many(ACCOUNT_CREATED, [teacher(1), teacher(2)])
    events.add_many(ACCOUNT_CREATED, [teacher(3), teacher(4, kind="robot")])  # 4th: unchecked
    assert written(database, events) == 4


def test_a_caller_may_validate_fewer_of_each_type(database) -> None:
    events = SpotCheckedBulkOutbox(Outbox("accounts", CATALOGUE), checked_per_type=2)
    events.add_many(ACCOUNT_CREATED, [teacher(1), teacher(2, kind="robot")])
    with pytest.raises(InvalidEvent, match="kind"):
        written(database, events)
    events = SpotCheckedBulkOutbox(Outbox("accounts", CATALOGUE), checked_per_type=2)
    events.add_many(ACCOUNT_CREATED, [teacher(1), teacher(2), teacher(3, kind="robot")])
    assert written(database, events) == 3  # the third: not validated


def test_another_producers_type_is_refused_even_in_bulk(database) -> None:
    events = SpotCheckedBulkOutbox(Outbox("accounts", CATALOGUE))
    events.add(ACCOUNT_SIGNED_IN, {"account_id": str(uuid.uuid4())})
    with pytest.raises(InvalidEvent, match="may not record"):
        written(database, events)


def test_every_event_is_recorded_at_the_clocks_moment(database, monkeypatch) -> None:
    monkeypatch.setattr(bulk_outbox, "CHECKED_PER_TYPE", 1)
    events = SpotCheckedBulkOutbox(Outbox("accounts", CATALOGUE), FixedClock(MOMENT))
    events.add_many(ACCOUNT_CREATED, [teacher(1), teacher(2)])
    assert written(database, events) == 2
    with database.session() as session:
        rows = session.execute(select(outbox.c.body, outbox.c.recorded_at)).all()
    assert [row.recorded_at for row in rows] == [MOMENT, MOMENT]
    assert [datetime.fromisoformat(json.loads(row.body)["time"]) for row in rows] == [MOMENT] * 2


def test_event_ids_are_time_ordered_uuids_increasing_within_a_write(database, monkeypatch) -> None:
    """Version 7 (RFC 9562): a batch's ids land at the right edge of the outbox's unique
    index rather than on a random page each (docs/performance.md, "transfer")."""
    monkeypatch.setattr(bulk_outbox, "CHECKED_PER_TYPE", 3)
    events = SpotCheckedBulkOutbox(Outbox("accounts", CATALOGUE))
    events.add_many(ACCOUNT_CREATED, [teacher(n) for n in range(50)])
    assert written(database, events) == 50
    with database.session() as session:
        ids = list(session.scalars(select(outbox.c.event_id).order_by(outbox.c.position)))
    assert ids == sorted(ids) and len(set(ids)) == 50  # the validated three too
    assert all(uuid.UUID(value).version == 7 and uuid.UUID(value).variant == uuid.RFC_4122
               for value in ids)
    many = bulk_outbox.uuid7_strings(100_000)
    assert many == sorted(many) and len(set(many)) == len(many)


@pytest.mark.parametrize("count", [3, bulk_outbox._SLICE * 2 + 1])
def test_one_slice_or_several_every_event_is_stored_in_order(empty_database, count) -> None:
    """On PostgreSQL a batch of one slice is COPYed without the queue's thread, a longer
    one slice by slice through it: either way every event, in the order added."""
    metadata.create_all(empty_database.engine)
    events = SpotCheckedBulkOutbox(Outbox("accounts", CATALOGUE), FixedClock(MOMENT),
                                   checked_per_type=1)
    made = [teacher(n) for n in range(count)]
    events.add_many(ACCOUNT_CREATED, made)
    assert written(empty_database, events) == count
    with empty_database.session() as session:
        bodies = session.scalars(select(outbox.c.body).order_by(outbox.c.position)).all()
    assert [json.loads(body)["data"]["login"] for body in bodies] == [
        data["login"] for data in made]


def test_event_ids_are_the_rfc_9562_layout_with_the_counter_last(monkeypatch) -> None:
    """Each id is the millisecond (48 bits), version 7, 12 bits drawn for the call, the
    variant, 14 more bits drawn for the call and a 48-bit counter — started, at the
    highest, where a call's ids still fit in its 48 bits."""
    monkeypatch.setattr(bulk_outbox.time, "time_ns", lambda: 1_764_000_000_123_456_789)
    fixed = 0b10_1100_1110_0011_0101_1010_01  # 26 bits
    highest = (1 << 48) - (1 << 32) - 1
    monkeypatch.setattr(bulk_outbox.os, "urandom", (fixed << 54 | highest).to_bytes)
    made = bulk_outbox.uuid7_strings(3)
    expected = [str(uuid.UUID(int=1_764_000_000_123 << 80 | 0x7 << 76 | (fixed >> 14) << 64
                                   | 0b10 << 62 | (fixed & 0x3FFF) << 48 | sequence))
                for sequence in range(highest, highest + 3)]
    assert made == expected
    assert all(uuid.UUID(value).version == 7 for value in made)
