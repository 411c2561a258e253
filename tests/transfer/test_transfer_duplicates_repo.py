"""The duplicate rule's storage (R-TRF-11) at the repository: the probe of a whole chunk
of match keys in one statement (on PostgreSQL the keys as one JSON document, each record
read from its course's year only) and the keys written in one statement per chunk
answer what the rule asks on both databases — within one chunk, across sources, across
years and chunks, and after a promotion."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, select
from test_transfer_duplicates import _open_three
from test_transfer_rules import IDS, attendee, course
from transfer_helpers import TEACHERS

from services.transfer.adapters import duplicates_repo
from services.transfer.adapters.duplicates_repo import Duplicates
from services.transfer.adapters.tables import match_keys
from services.transfer.domain.titles import match_key

DATABASES = ["api", "pg_api"]
ACCOUNTS = [TEACHERS[number] for number in IDS]
TITLE = "閱讀素養教學（進階）"


@contextmanager
def _inserts_into_match_keys(engine: Any) -> Iterator[list[str]]:
    """The ``INSERT`` statements into ``match_keys`` sent while the block runs (a COPY
    sends none)."""
    inserts: list[str] = []

    def seen(conn, cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO match_keys"):
            inserts.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield inserts
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def _key(account: str, start: str = "2026-03-02", organiser: str = "313301",
         title: str = TITLE, source: str = "tpe-edu", course_key: str = "C-1") -> dict:
    organiser, day, digest = match_key(organiser, date.fromisoformat(start), title)
    return {"organiser_unit_code": organiser, "start_date": day, "title_digest": digest,
            "account_id": account, "source": source, "course_key": course_key}


def _place(key: dict) -> tuple[str, date, str, str]:
    return key["organiser_unit_code"], key["start_date"], key["title_digest"], key["account_id"]


def _stored(api) -> list[tuple[str, str, str]]:
    with api.runtime.database.session() as session:
        return [tuple(row) for row in session.execute(select(
            match_keys.c.source, match_keys.c.course_key, match_keys.c.account_id)
            .order_by(match_keys.c.source, match_keys.c.account_id))]


@pytest.mark.parametrize("database", DATABASES)
def test_keys_written_in_one_statement_keep_the_first_of_a_collision(request, database,
                                                                    monkeypatch) -> None:
    api = request.getfixturevalue(database)
    monkeypatch.setattr(duplicates_repo, "_WRITTEN", 2)  # three statements for five rows
    with api.runtime.database.session() as session:
        Duplicates(session).add_keys([_key(ACCOUNTS[0])])
        session.commit()
    with api.runtime.database.session() as session:
        Duplicates(session).add_keys([
            _key(ACCOUNTS[0], course_key="C-2"),  # there already: stays as it was
            _key(ACCOUNTS[1]), _key(ACCOUNTS[1], course_key="C-3"),  # twice in one chunk
            _key(ACCOUNTS[1], source="ntpc-edu", course_key="N-1"),  # another source's
            _key(ACCOUNTS[2], start="2025-09-01", course_key="C-9")])
        session.commit()
    assert _stored(api) == [("ntpc-edu", "N-1", ACCOUNTS[1]), ("tpe-edu", "C-1", ACCOUNTS[0]),
                            ("tpe-edu", "C-1", ACCOUNTS[1]), ("tpe-edu", "C-9", ACCOUNTS[2])]


@pytest.mark.postgres
def test_new_keys_are_copied_and_a_key_there_already_falls_back_keeping_the_transaction(
        pg_api) -> None:
    """On PostgreSQL new keys go by COPY (no ``INSERT``); a chunk with a key there already
    is rolled back to its savepoint and inserted with ``ON CONFLICT DO NOTHING``, and what
    the transaction wrote before it stays (R-TRF-11: nothing accepted is lost)."""
    with _inserts_into_match_keys(pg_api.runtime.database.engine) as inserts:
        with pg_api.runtime.database.session() as session:
            Duplicates(session).add_keys([_key(ACCOUNTS[0]), _key(ACCOUNTS[1])])
            session.commit()
        assert inserts == []  # copied
        with pg_api.runtime.database.session() as session:
            Duplicates(session).add_keys([_key(ACCOUNTS[2], course_key="C-2")])  # copied
            Duplicates(session).add_keys([_key(ACCOUNTS[0], course_key="C-2"),  # there
                                          _key(ACCOUNTS[3], course_key="C-2")])
            session.commit()
        assert len(inserts) == 1  # the chunk with a key there already
    assert _stored(pg_api) == [("tpe-edu", "C-1", ACCOUNTS[0]), ("tpe-edu", "C-1", ACCOUNTS[1]),
                               ("tpe-edu", "C-2", ACCOUNTS[2]), ("tpe-edu", "C-2", ACCOUNTS[3])]


@pytest.mark.parametrize("database", DATABASES)
def test_keys_given_course_by_course_are_the_same_keys(request, database) -> None:
    """``course_keys_to_add`` (each course's place once, then its accounts) writes what
    ``add_keys`` writes for the same records: two courses of one source at one place keep
    the first's key, a key there already stays as it was. On PostgreSQL the new keys go
    by COPY alone (no ``INSERT``) until one is there already."""
    api = request.getfixturevalue(database)
    place = _place(_key(ACCOUNTS[0]))[:3]
    other = _place(_key(ACCOUNTS[0], start="2025-09-01"))[:3]
    with _inserts_into_match_keys(api.runtime.database.engine) as inserts:
        with api.runtime.database.session() as session:
            Duplicates(session).course_keys_to_add("tpe-edu", [
                (place, "C-1", [ACCOUNTS[0], ACCOUNTS[1]]),
                (place, "C-2", [ACCOUNTS[1]]),  # the same place and teacher: C-1's stays
                (other, "C-9", [ACCOUNTS[1]])])()
            session.commit()
        copied_alone = not inserts
        with api.runtime.database.session() as session:
            Duplicates(session).course_keys_to_add("tpe-edu", [
                (place, "C-3", [ACCOUNTS[0], ACCOUNTS[2]])])()  # ACCOUNTS[0]'s is there
            session.commit()
    if database == "pg_api":
        assert copied_alone and len(inserts) == 1, inserts
    assert sorted(_stored(api)) == [
        ("tpe-edu", "C-1", ACCOUNTS[0]), ("tpe-edu", "C-1", ACCOUNTS[1]),
        ("tpe-edu", "C-3", ACCOUNTS[2]), ("tpe-edu", "C-9", ACCOUNTS[1])]


@pytest.mark.parametrize("database", DATABASES)
def test_one_probe_finds_the_live_records_of_other_sources_across_years_and_chunks(
        request, database, monkeypatch) -> None:
    api = request.getfixturevalue(database)
    _open_three(api)
    api.push("tpe-edu", {"courses": [course(), course("C-0", start="2025-09-01")],
                         "attendance": [attendee(0), attendee(1), attendee(2),
                                        attendee(3, "C-0", day="2025-09-01")]})
    api.push("ntpc-edu", {"courses": [course("N-1")], "attendance": [attendee(2, "N-1")]})
    api.push("tpe-edu", {"withdrawals": [{"source_course_key": "C-1",
                                          "teacher_id": attendee(1)["teacher_id"],
                                          "reason": "誤報"}]})
    monkeypatch.setattr(duplicates_repo, "_PROBED", 2)
    monkeypatch.setattr(duplicates_repo, "_CHUNK", 4)
    places = [_place(_key(ACCOUNTS[n])) for n in range(4)] + [
        _place(_key(ACCOUNTS[3], start="2025-09-01")),
        _place(_key(ACCOUNTS[0], title="另一門課"))]
    with api.runtime.database.session() as session:
        found = Duplicates(session).matches("kh-edu", places + places[:2])
        own = Duplicates(session).matches("tpe-edu", places)
        theirs = Duplicates(session).matches("ntpc-edu", places)
    # Teacher 1's record is withdrawn, teacher 3 attends only the 2025 course, the other
    # title is another course; teacher 2's record of ntpc-edu is tpe-edu's duplicate.
    assert found == {places[0]: ("tpe-edu", "C-1"), places[2]: ("tpe-edu", "C-1"),
                     places[4]: ("tpe-edu", "C-0")}
    assert own == {}
    assert theirs == {places[0]: ("tpe-edu", "C-1"), places[2]: ("tpe-edu", "C-1"),
                      places[4]: ("tpe-edu", "C-0")}


@pytest.mark.parametrize("database", DATABASES)
def test_after_a_promotion_the_probe_names_the_record_promoted(request, database) -> None:
    api = request.getfixturevalue(database)
    _open_three(api)
    api.push("tpe-edu", {"courses": [course()], "attendance": [attendee(0)]})
    api.push("ntpc-edu", {"courses": [course("N-1")], "attendance": [attendee(0, "N-1")]})
    place = _place(_key(ACCOUNTS[0]))
    with api.runtime.database.session() as session:
        assert Duplicates(session).matches("kh-edu", [place]) == {place: ("tpe-edu", "C-1")}
    api.push("tpe-edu", {"withdrawals": [{"source_course_key": "C-1",
                                          "teacher_id": attendee(0)["teacher_id"],
                                          "reason": "誤報"}]})
    with api.runtime.database.session() as session:
        assert Duplicates(session).matches("kh-edu", [place]) == {place: ("ntpc-edu", "N-1")}
        assert Duplicates(session).matches("ntpc-edu", [place]) == {}
    assert ("ntpc-edu", "N-1", ACCOUNTS[0]) in _stored(api)
