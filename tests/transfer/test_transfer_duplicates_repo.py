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
from services.transfer.adapters.records_repo import RecordRepository
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


@pytest.mark.parametrize("database", DATABASES)
def test_the_course_lookup_says_which_courses_the_rule_may_touch(request, database) -> None:
    """``may_match`` (R-TRF-11): true for a course another source keeps a course at the
    same place as, and for one the source keeps linked duplicates in; false for a course
    alone at its place (another title, day or organiser); a withdrawn course is not
    answered."""
    api = request.getfixturevalue(database)
    _open_three(api)
    api.push("tpe-edu", {"courses": [course(), course("C-2", title="另一門課"),
                                     course("C-3", start="2026-03-09"),
                                     course("C-4", organiser="353301"), course("C-5")],
                         "attendance": [attendee(0)]})
    api.push("ntpc-edu", {"courses": [course("N-1"), course("N-2", title="無人同名")],
                          "attendance": [attendee(0, "N-1")]})  # tpe-edu's duplicate
    api.push("tpe-edu", {"withdrawals": [{"source_course_key": "C-5", "reason": "停辦"}]})
    with api.runtime.database.session() as session:
        records = RecordRepository(session)
        tpe = records.live_courses("tpe-edu", ["C-1", "C-2", "C-3", "C-4", "C-5", "C-9"])
        ntpc = records.live_courses("ntpc-edu", ["N-1", "N-2"])
    assert {key: course["may_match"] for key, course in tpe.items()} == {
        "C-1": True, "C-2": False, "C-3": False, "C-4": False}
    assert all(type(course["may_match"]) is bool for course in tpe.values())
    # N-1 is at C-1's place and keeps a linked duplicate; N-2 is alone.
    assert {key: course["may_match"] for key, course in ntpc.items()} == {
        "N-1": True, "N-2": False}
    assert tpe["C-1"]["title"] == TITLE  # the course's own fields come with it


@pytest.mark.parametrize("database", DATABASES)
def test_a_batch_whose_courses_may_not_match_probes_no_record(request, database,
                                                             monkeypatch) -> None:
    """The probe's two statements are made only for courses the rule may touch: a batch
    to courses alone at their place makes neither, and the rule still links a row whose
    course has a neighbour."""
    api = request.getfixturevalue(database)
    _open_three(api)
    api.push("tpe-edu", {"courses": [course()], "attendance": [attendee(0)]})
    api.push("ntpc-edu", {"courses": [course("N-1"), course("N-2", title="無人同名")]})
    probed: list[list[str]] = []
    matches, digests = Duplicates.matches, Duplicates.digests

    def counted_matches(self, source, keys):
        probed.append(sorted({key[2] for key in keys}))
        return matches(self, source, keys)

    def counted_digests(self, source, keys):
        keys = list(keys)
        probed.append(sorted({course_key for course_key, _ in keys}))
        return digests(self, source, keys)
    monkeypatch.setattr(Duplicates, "matches", counted_matches)
    monkeypatch.setattr(Duplicates, "digests", counted_digests)
    alone = api.push("ntpc-edu", {"attendance": [attendee(0, "N-2"), attendee(1, "N-2")]})
    assert alone.json["counts"]["attendance"]["added"] == 2 and not alone.json["duplicates"]
    assert probed == []
    both = api.push("ntpc-edu", {"attendance": [attendee(2, "N-2"), attendee(0, "N-1")]})
    assert [d["row"] for d in both.json["duplicates"]] == [2]
    assert probed == [["N-1"], [title_digest(TITLE)]]  # N-1's rows only
