"""The duplicate rule's probe (R-TRF-11) at the repository: a whole chunk of (place,
account) keys in one statement — on PostgreSQL the keys as one JSON document, each place
looked up in the courses' place index of its year and the records of the courses found
read by their key — answers what the rule asks on both databases: within one chunk,
across sources, years and chunks, after a promotion, of two courses of one source at one
place, and never a test source's records."""
from __future__ import annotations

from datetime import date

import pytest
from test_transfer_duplicates import _open_three
from test_transfer_rules import IDS, attendee, course
from transfer_helpers import TEACHERS, open_source

from services.transfer.adapters import duplicates_repo
from services.transfer.adapters.duplicates_repo import Duplicates
from services.transfer.domain.titles import title_digest

DATABASES = ["api", "pg_api"]
ACCOUNTS = [TEACHERS[number] for number in IDS]
TITLE = "閱讀素養教學（進階）"


def _place(account: str, start: str = "2026-03-02", organiser: str = "313301",
           title: str = TITLE) -> tuple[str, date, str, str]:
    return (organiser, date.fromisoformat(start), title_digest(title), account)


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
    places = [_place(ACCOUNTS[n]) for n in range(4)] + [
        _place(ACCOUNTS[3], start="2025-09-01"), _place(ACCOUNTS[0], title="另一門課")]
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
    place = _place(ACCOUNTS[0])
    with api.runtime.database.session() as session:
        assert Duplicates(session).matches("kh-edu", [place]) == {place: ("tpe-edu", "C-1")}
    api.push("tpe-edu", {"withdrawals": [{"source_course_key": "C-1",
                                          "teacher_id": attendee(0)["teacher_id"],
                                          "reason": "誤報"}]})
    with api.runtime.database.session() as session:
        assert Duplicates(session).matches("kh-edu", [place]) == {place: ("ntpc-edu", "N-1")}
        assert Duplicates(session).matches("ntpc-edu", [place]) == {}


@pytest.mark.parametrize("database", DATABASES)
def test_of_two_courses_of_one_source_at_one_place_the_probe_names_the_first_by_key(
        request, database) -> None:
    """The place is the courses' (the title typed otherwise, the same once normalised);
    a renamed course leaves its old place at once."""
    api = request.getfixturevalue(database)
    _open_three(api)
    api.push("tpe-edu", {"courses": [course("C-2", title="閱讀素養教學 (進階)"), course("C-1")],
                         "attendance": [attendee(0, "C-2"), attendee(0), attendee(1, "C-2")]})
    with api.runtime.database.session() as session:
        found = Duplicates(session).matches("kh-edu", [_place(ACCOUNTS[0]),
                                                       _place(ACCOUNTS[1])])
    assert found == {_place(ACCOUNTS[0]): ("tpe-edu", "C-1"),
                     _place(ACCOUNTS[1]): ("tpe-edu", "C-2")}
    api.push("tpe-edu", {"courses": [course("C-1", title="另一門課")]})
    with api.runtime.database.session() as session:
        assert Duplicates(session).matches("kh-edu", [_place(ACCOUNTS[0])]) == {
            _place(ACCOUNTS[0]): ("tpe-edu", "C-2")}
        assert Duplicates(session).matches("kh-edu", [_place(ACCOUNTS[0], title="另一門課")]) \
            == {_place(ACCOUNTS[0], title="另一門課"): ("tpe-edu", "C-1")}


@pytest.mark.parametrize("database", DATABASES)
def test_a_test_sources_records_are_never_matched(request, database) -> None:
    api = request.getfixturevalue(database)
    open_source(api, "tpe-edu", state="test")
    open_source(api, "ntpc-edu", unit="353301")
    assert api.push("tpe-edu", {"courses": [course()], "attendance": [attendee(0)]}
                    ).json["trial"] is True
    with api.runtime.database.session() as session:
        assert Duplicates(session).matches("ntpc-edu", [_place(ACCOUNTS[0])]) == {}
