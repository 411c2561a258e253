"""Figures from events (issue 13, items 1 and 3; R-STA-1, R-STA-2, R-STA-4, R-ORG-3): each
event counts once in its day, month and year under its unit, county and the authority in
force that day; restated facts count their difference; a jurisdiction change learnt after
the facts moves the authority's share and leaves the unit's history whole; ``rebuild``
replays the facts into the same figures."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from stats_support import Stats, authority, envelope, unit, values

from contracts.events import CATALOGUE
from contracts.events.accounts import ACCOUNT_CREATED, UNIT_JURISDICTION_CHANGED
from contracts.events.courses import (
    ATTENDANCE_REVIEWED,
    COURSE_REGISTERED,
    COURSE_REVIEWED,
    ENROLMENT_RECORDED,
    HOURS_ISSUED,
    UNIT_LIGHT_CHANGED,
)
from contracts.events.sso import ACCOUNT_SIGNED_IN
from contracts.events.transfer import RECORD_ADDED, RECORD_CHANGED, RECORD_WITHDRAWN
from services.stats.handlers import intake
from services.stats.handlers.rebuild import rebuild


@pytest.fixture
def stats(stats_on_both: Stats) -> Stats:
    """Every figure here is checked on SQLite and on PostgreSQL."""
    return stats_on_both


COURSE_A = str(uuid.UUID(int=1))
COURSE_B = str(uuid.UUID(int=2))
TEACHER = str(uuid.UUID(int=100))


def course(course_id: str, unit_code: str, registered: str, starts: str) -> tuple[str, dict]:
    return (COURSE_REGISTERED, {"course_id": course_id, "code": f"C{course_id[-4:]}",
                                "unit_code": unit_code, "title": "研習", "starts_on": starts,
                                "registered_at": registered, "version": 1})


def enrolment(course_id: str, at: str) -> tuple[str, dict]:
    return (ENROLMENT_RECORDED, {"enrolment_id": str(uuid.uuid4()), "course_id": course_id,
                                 "account_id": TEACHER, "at": at, "status": "enrolled",
                                 "arrival": 1})


def review(course_id: str, unit_code: str, day: str) -> tuple[str, dict]:
    return (COURSE_REVIEWED, {"course_id": course_id, "code": "C1", "unit_code": unit_code,
                              "decision": "approve", "reasons": [],
                              "reviewing_authority_code": "TXG", "reviewed_on": day,
                              "reviewed_at": f"{day}T03:00:00+00:00", "version": 2})


def taichung_school(stats: Stats) -> None:
    """A national senior high school in Taichung that became municipal on 2017-01-01
    (R-ORG-3): accounts announces it as it is now, and the change."""
    stats.feed(authority("K12EA", "教育部國民及學前教育署", None),
               authority("TXG", "臺中市政府教育局", "TXG"),
               unit("193301", "TXG", "TXG", name="國立臺中第一高級中學"),
               (UNIT_JURISDICTION_CHANGED, {"unit_code": "193301", "from_authority_code": "K12EA",
                                            "to_authority_code": "TXG",
                                            "effective_from": "2017-01-01",
                                            "transfer_reference": "府授教字1050001", "version": 2}))


def test_enrolments_count_per_month_under_the_authority_in_force_that_day(stats: Stats) -> None:
    taichung_school(stats)
    stats.feed(course(COURSE_A, "193301", "2016-11-20T02:00:00+00:00", "2016-12-10"),
               enrolment(COURSE_A, "2016-12-01T02:00:00+00:00"),
               enrolment(COURSE_A, "2016-12-31T17:00:00+00:00"),  # 2017-01-01 01:00 in Taipei
               enrolment(COURSE_A, "2017-02-03T02:00:00+00:00"))
    url = "/reports/enrolments?from=2016-11&to=2017-03"
    assert values(stats.report(url), "enrolments") == {"2016-12": 1, "2017-01": 1, "2017-02": 1}
    # The unit sees its whole history across the change (R-STA-4) ...
    assert values(stats.report(url, role="business", unit="193301"), "enrolments") == {
        "2016-12": 1, "2017-01": 1, "2017-02": 1}
    # ... and each authority its own share.
    assert values(stats.report(url, role="reviewer", authority="TXG"), "enrolments") == {
        "2017-01": 1, "2017-02": 1}
    assert values(stats.report(url, role="reviewer", authority="K12EA"), "enrolments") == {
        "2016-12": 1}


def test_a_jurisdiction_change_learnt_after_the_facts_moves_only_the_authority_share(
        stats: Stats) -> None:
    stats.feed(unit("193301", "TXG", "TXG"),
               course(COURSE_A, "193301", "2016-11-20T02:00:00+00:00", "2016-12-10"),
               enrolment(COURSE_A, "2016-12-01T02:00:00+00:00"),
               enrolment(COURSE_A, "2017-02-03T02:00:00+00:00"))
    url = "/reports/enrolments?from=2016-11&to=2017-03"
    assert values(stats.report(url, role="reviewer", authority="TXG"), "enrolments") == {
        "2016-12": 1, "2017-02": 1}
    stats.feed((UNIT_JURISDICTION_CHANGED, {
        "unit_code": "193301", "from_authority_code": "K12EA", "to_authority_code": "TXG",
        "effective_from": "2017-01-01", "transfer_reference": "府授教字1050001", "version": 2}))
    assert values(stats.report(url, role="reviewer", authority="TXG"), "enrolments") == {
        "2017-02": 1}
    assert values(stats.report(url, role="reviewer", authority="K12EA"), "enrolments") == {
        "2016-12": 1}
    assert values(stats.report(url, role="business", unit="193301"), "enrolments") == {
        "2016-12": 1, "2017-02": 1}
    per_unit = stats.report("/reports/areas?by=unit&from=2016-11&to=2017-03",
                            role="reviewer", authority="K12EA")
    assert [row["key"] for row in per_unit["rows"]] == ["193301"]
    assert per_unit["rows"][0]["values"]["courses_registered"] == 1  # registered in 2016-11


def test_reviews_per_day_and_month_and_a_county_table(stats: Stats) -> None:
    taichung_school(stats)
    stats.feed(unit("353301", "TPE", "TPE"),
               review(COURSE_A, "193301", "2017-04-03"), review(COURSE_B, "193301", "2017-04-03"),
               review(COURSE_B, "353301", "2017-04-05"),
               course(COURSE_A, "193301", "2017-03-20T02:00:00+00:00", "2017-04-10"),
               course(COURSE_A, "193301", "2017-03-20T02:00:00+00:00", "2017-04-10"),  # again
               course(COURSE_B, "353301", "2017-04-20T02:00:00+00:00", "2017-05-10"))
    assert values(stats.report("/reports/reviews?period=day&from=2017-04-01&to=2017-04-07"),
                  "reviews") == {"2017-04-03": 2, "2017-04-05": 1}
    assert values(stats.report("/reports/reviews?from=2017-01&to=2017-06"), "reviews") == {
        "2017-04": 3}
    table = stats.report("/reports/areas?from=2017-01&to=2017-06")
    assert {row["label"]: row["values"]["courses_registered"] for row in table["rows"]} == {
        "臺中市": 1, "臺北市": 1}


def test_hours_reissued_and_transfer_records_restated_count_their_difference(
        stats: Stats) -> None:
    taichung_school(stats)
    hours = {"course_id": COURSE_A, "course_code": "C1", "unit_code": "193301",
             "account_id": TEACHER, "hours": 3.0, "title": "環境教育研習",
             "starts_on": "2017-04-10", "ends_on": "2017-04-10", "tags": ["環境教育"],
             "version": 3}
    record = {"source": "TXG-SYS", "record_key": "r-1", "account_id": TEACHER, "hours": 2.0,
              "starts_on": "2017-04-01", "ends_on": "2017-04-01", "title": "校外研習",
              "organiser": "臺中市教師研習中心", "tags": ["環境教育"], "version": 1}
    stats.feed(course(COURSE_A, "193301", "2017-03-20T02:00:00+00:00", "2017-04-10"),
               (ATTENDANCE_REVIEWED, {"course_id": COURSE_A, "course_code": "C1",
                                      "unit_code": "193301", "decision": "approve", "reasons": [],
                                      "reviewing_authority_code": "TXG", "version": 3}),
               (HOURS_ISSUED, hours), (HOURS_ISSUED, {**hours, "hours": 4.5, "version": 4}),
               (HOURS_ISSUED, {**hours, "hours": 9.0, "version": 2}),  # late, older: nothing
               (RECORD_ADDED, record), (RECORD_ADDED, {**record, "record_key": "r-2"}),
               (RECORD_CHANGED, {**record, "hours": 3.5, "version": 2}),
               (RECORD_WITHDRAWN, {"source": "TXG-SYS", "record_key": "r-2",
                                   "account_id": TEACHER, "version": 2}))
    tags = stats.report("/reports/tags?from=2017-01&to=2017-06")
    assert tags["rows"] == [{"key": "環境教育", "label": "環境教育", "values": {
        "completions": 1, "teacher_hours": 4.5, "transfer_records": 1, "transfer_hours": 3.5}}]
    held = stats.report("/reports/courses-held?from=2017-01&to=2017-06")
    assert values(held, "courses_held_network") == {"2017-04": 1}
    assert values(held, "courses_held_transfer") == {"2017-04": 1}
    sources = stats.report("/reports/transfer-sources?from=2017-01&to=2017-06")
    assert sources["rows"][0]["values"] == {"transfer_records": 1, "transfer_hours": 3.5,
                                            "courses_held_transfer": 1}


def test_visits_count_each_account_once_a_taipei_day(stats: Stats) -> None:
    def signed_in(account: int, at: str) -> tuple[str, dict]:
        return (ACCOUNT_SIGNED_IN, {"account_id": str(uuid.UUID(int=account)), "at": at,
                                    "method": "password"})
    stats.feed(signed_in(1, "2017-06-01T01:00:00+00:00"), signed_in(1, "2017-06-01T09:00:00+00:00"),
               signed_in(2, "2017-06-01T15:59:00+00:00"),
               signed_in(1, "2017-06-01T16:30:00+00:00"))  # 06-02 00:30 in Taipei
    assert values(stats.report("/reports/visits?from=2017-06-01&to=2017-06-03"), "visitors") == {
        "2017-06-01": 2, "2017-06-02": 1}


def test_rebuild_replays_the_facts_into_the_same_figures(stats: Stats) -> None:
    taichung_school(stats)
    stats.feed(course(COURSE_A, "193301", "2016-11-20T02:00:00+00:00", "2016-12-10"),
               enrolment(COURSE_A, "2016-12-01T02:00:00+00:00"),
               enrolment(COURSE_A, "2017-02-03T02:00:00+00:00"),
               (ACCOUNT_CREATED, {"account_id": TEACHER, "login": "teacher-chen", "kind": "teacher",
                                  "status": "enabled", "display_name": "陳老師",
                                  "unit_code": "193301", "county_code": "TXG", "version": 1}))
    urls = ["/reports/enrolments?from=2016-11&to=2017-03", "/reports/areas?from=2016-01&to=2017-06",
            "/reports/yearbook"]
    before = [stats.report(url) for url in urls]
    assert rebuild(stats.runtime.database, stats.runtime.definition.catalogue) == {"replayed": 8}
    assert [stats.report(url) for url in urls] == before
    assert before[1]["rows"][0]["values"]["teacher_accounts_opened"] == 1


def test_a_fact_about_an_unknown_course_cannot_apply(stats: Stats) -> None:
    from services.stats.domain.errors import CannotApply
    with pytest.raises(CannotApply, match="unknown course"):
        stats.feed(enrolment(COURSE_B, "2017-02-03T02:00:00+00:00"))



def test_teacher_education_universities_with_no_course_registered(stats: Stats) -> None:
    stats.feed(unit("0001", "NETWORK", "TPE", unit_type="teacher_education_university",
                    name="國立臺灣師範大學"),
               unit("0002", "NETWORK", "KHH", unit_type="teacher_education_university",
                    name="國立高雄師範大學"),
               unit("353301", "TPE", "TPE"),
               course(COURSE_A, "0001", "2017-03-20T02:00:00+00:00", "2017-04-10"))
    idle = stats.report("/reports/idle-universities?from=2017-01&to=2017-06")
    assert [(row["key"], row["label"]) for row in idle["rows"]] == [("0002", "國立高雄師範大學")]
    earlier = stats.report("/reports/idle-universities?from=2016-01&to=2016-12")
    assert [row["key"] for row in earlier["rows"]] == ["0001", "0002"]


def test_the_rebuild_command(stats: Stats, monkeypatch, capsys) -> None:
    """``python -m services.stats rebuild``: the same figures, from the facts alone, on the
    database the test's service uses (SQLite, or PostgreSQL where the servers are)."""
    from servicekit.cli import main
    from services.stats.bootstrap import DEFINITION
    taichung_school(stats)
    stats.feed(course(COURSE_A, "193301", "2017-03-20T02:00:00+00:00", "2017-04-10"))
    before = stats.report("/reports/courses-registered?from=2017-01&to=2017-06")
    monkeypatch.setenv("STATS_DATA_DIR", str(stats.runtime.settings.data_dir))
    monkeypatch.setenv("STATS_DATABASE_URL", stats.runtime.settings.database_url)
    assert main(DEFINITION, ["rebuild"]) == 0
    assert capsys.readouterr().out.strip().endswith('{"replayed": 5}')
    assert stats.report("/reports/courses-registered?from=2017-01&to=2017-06") == before


def test_courses_with_no_attendee_list_sent_per_unit_as_courses_last_counted(
        stats: Stats) -> None:
    def light(unit_code: str, overdue: int, version: int) -> tuple[str, dict]:
        return (UNIT_LIGHT_CHANGED, {"unit_code": unit_code, "year": 2017, "overdue": overdue,
                                     "light": "red" if overdue >= 5 else "yellow",
                                     "version": version})
    taichung_school(stats)
    stats.feed(unit("353301", "TPE", "TPE", name="臺北市立建國高級中學"),
               light("193301", 2, 1), light("353301", 6, 1), light("353301", 5, 3),
               light("353301", 9, 2))  # late, older: nothing
    url = "/reports/overdue-lists?from=2017-01&to=2017-06"
    assert [(r["label"], r["values"]["overdue_lists"]) for r in stats.report(url)["rows"]] == [
        ("國立臺中第一高級中學", 2), ("臺北市立建國高級中學", 5)]
    assert [r["key"] for r in stats.report(url, role="reviewer", authority="TPE")["rows"]] == [
        "353301"]
    assert [r["key"] for r in stats.report(url, role="business", unit="193301")["rows"]] == [
        "193301"]
    assert stats.report("/reports/overdue-lists?from=2016-01&to=2016-12")["rows"] == []


def test_a_units_share_under_its_authority_is_read_from_its_own_figures_unless_it_moved(
        stats: Stats) -> None:
    """R-STA-4: only a unit with a jurisdiction history keeps its shares apart; a unit that
    never changed shows under its authority exactly its own figures, and under no other.
    The Taichung school (changed 2017-01-01) and a Taipei and a Taichung school that never
    changed, read by each reviewer per unit and as one unit's series."""
    taichung_school(stats)
    stats.feed(unit("353301", "TPE", "TPE"), unit("190406", "TXG", "TXG"),
               course(COURSE_A, "193301", "2016-11-20T02:00:00+00:00", "2016-12-10"),
               course(COURSE_B, "353301", "2016-11-21T02:00:00+00:00", "2016-12-11"),
               course(str(uuid.UUID(int=3)), "190406", "2016-11-22T02:00:00+00:00", "2016-12-12"),
               enrolment(COURSE_A, "2016-12-01T02:00:00+00:00"),
               enrolment(COURSE_A, "2017-02-03T02:00:00+00:00"),
               enrolment(COURSE_B, "2016-12-02T02:00:00+00:00"),
               enrolment(COURSE_B, "2017-02-04T02:00:00+00:00"),
               enrolment(str(uuid.UUID(int=3)), "2017-02-05T02:00:00+00:00"))
    with stats.runtime.database.engine.connect() as connection:
        kept = connection.execute(text(
            "SELECT DISTINCT member FROM figures WHERE dimension = 'authority_unit'")).scalars()
        assert sorted(kept) == ["K12EA|193301", "TXG|193301"]

    def per_unit(authority: str, **narrow: str) -> dict[str, int]:
        table = stats.report("/reports/areas?by=unit&from=2016-11&to=2017-03",
                             role="reviewer", authority=authority, **narrow)
        return {row["key"]: row["values"]["courses_registered"] for row in table["rows"]}

    assert per_unit("TPE") == {"353301": 1}
    assert per_unit("TXG") == {"190406": 1}  # 193301 registered while K12EA held it
    assert per_unit("K12EA") == {"193301": 1}
    url = "/reports/enrolments?from=2016-11&to=2017-03"
    assert values(stats.report(url + "&unit=353301", role="reviewer", authority="TPE"),
                  "enrolments") == {"2016-12": 1, "2017-02": 1}
    assert values(stats.report(url + "&unit=353301", role="reviewer", authority="TXG"),
                  "enrolments") == {}
    assert values(stats.report(url + "&unit=193301", role="reviewer", authority="TXG"),
                  "enrolments") == {"2017-02": 1}
    assert values(stats.report(url + "&unit=190406", authority="TXG"), "enrolments") == {
        "2017-02": 1}
    assert stats.report("/reports/areas?by=unit&from=2016-11&to=2017-03&unit=353301",
                        role="reviewer", authority="TXG")["rows"] == []


def test_a_unit_announced_under_another_authority_moves_its_whole_history(
        stats: Stats) -> None:
    """No jurisdiction change, only the unit announced again under TXG (it had been TPE's
    in stats' view): every day of it is TXG's now, and the nation's and unit's stay."""
    stats.feed(unit("353301", "TPE", "TPE"),
               course(COURSE_A, "353301", "2016-11-20T02:00:00+00:00", "2016-12-10"),
               enrolment(COURSE_A, "2016-12-01T02:00:00+00:00"),
               enrolment(COURSE_A, "2017-02-03T02:00:00+00:00"),
               unit("353301", "TXG", "TXG", version=2))
    url = "/reports/enrolments?from=2016-11&to=2017-03"
    assert values(stats.report(url, role="reviewer", authority="TPE"), "enrolments") == {}
    assert values(stats.report(url, role="reviewer", authority="TXG"), "enrolments") == {
        "2016-12": 1, "2017-02": 1}
    assert values(stats.report(url + "&unit=353301", role="reviewer", authority="TXG"),
                  "enrolments") == {"2016-12": 1, "2017-02": 1}
    assert values(stats.report(url), "enrolments") == {"2016-12": 1, "2017-02": 1}
    table = stats.report("/reports/areas?by=unit&from=2016-11&to=2017-03", role="reviewer",
                         authority="TXG")
    assert [(row["key"], row["values"]["courses_registered"]) for row in table["rows"]] == [
        ("353301", 1)]


def test_accounts_opened_at_a_known_unit_count_under_the_unit_and_its_authority(
        stats: Stats) -> None:
    taichung_school(stats)
    stats.feed((ACCOUNT_CREATED, {"account_id": TEACHER, "login": "teacher-chen",
                                  "kind": "teacher", "status": "enabled",
                                  "display_name": "陳老師", "unit_code": "193301",
                                  "county_code": "TXG", "version": 1}))
    table = stats.report("/reports/areas?by=unit&from=2017-01&to=2017-06", role="reviewer",
                         authority="TXG")
    assert [(row["key"], row["values"]["teacher_accounts_opened"]) for row in table["rows"]] == [
        ("193301", 1)]
    by_authority = stats.report("/reports/areas?by=authority&from=2017-01&to=2017-06")
    assert {row["key"]: row["values"]["teacher_accounts_opened"]
            for row in by_authority["rows"]} == {"TXG": 1}


def test_a_batch_of_many_runs_counts_as_its_runs_fed_one_by_one(stats: Stats) -> None:
    """The facts and what they add are written as the batch commits; a jurisdiction change
    in the middle of the batch reads the figures the runs before it added (R-STA-4)."""
    stats.feed(unit("193301", "TXG", "TXG"),
               course(COURSE_A, "193301", "2016-11-20T02:00:00+00:00", "2016-12-10"),
               enrolment(COURSE_A, "2016-12-01T02:00:00+00:00"),
               review(COURSE_A, "193301", "2016-11-25"),
               enrolment(COURSE_A, "2017-02-03T02:00:00+00:00"),
               (UNIT_JURISDICTION_CHANGED, {
                   "unit_code": "193301", "from_authority_code": "K12EA",
                   "to_authority_code": "TXG", "effective_from": "2017-01-01",
                   "transfer_reference": "府授教字1050001", "version": 2}),
               enrolment(COURSE_A, "2016-12-05T02:00:00+00:00"),
               enrolment(COURSE_A, "2017-03-03T02:00:00+00:00"))
    url = "/reports/enrolments?from=2016-11&to=2017-03"
    assert values(stats.report(url), "enrolments") == {"2016-12": 2, "2017-02": 1, "2017-03": 1}
    assert values(stats.report(url, role="reviewer", authority="K12EA"), "enrolments") == {
        "2016-12": 2}
    assert values(stats.report(url, role="reviewer", authority="TXG"), "enrolments") == {
        "2017-02": 1, "2017-03": 1}
    assert values(stats.report("/reports/reviews?from=2016-11&to=2017-03", role="reviewer",
                               authority="K12EA"), "reviews") == {"2016-11": 1}
    with stats.runtime.database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM facts")).scalar() == 8


def test_in_a_savepoint_the_figures_are_written_at_once_and_roll_back_with_it(
        stats: Stats) -> None:
    """The consumer applies a failed batch again one event a savepoint: an event whose
    savepoint rolls back leaves neither its fact nor its figures; the others count."""
    stats.feed(unit("193301", "TXG", "TXG"),
               course(COURSE_A, "193301", "2016-11-20T02:00:00+00:00", "2016-12-10"))
    kept, dropped = (envelope(*enrolment(COURSE_A, at)) for at in (
        "2016-12-01T02:00:00+00:00", "2016-12-02T02:00:00+00:00"))
    with stats.runtime.database.session() as session:
        for item, keep in ((kept, True), (dropped, False)):
            savepoint = session.begin_nested()
            intake.take(session, [(CATALOGUE.load_data(item), item)])
            savepoint.commit() if keep else savepoint.rollback()
    assert values(stats.report("/reports/enrolments?from=2016-11&to=2017-03"),
                  "enrolments") == {"2016-12": 1}
    with stats.runtime.database.engine.connect() as connection:
        assert connection.execute(text("SELECT event_id FROM facts WHERE event_type = "
                                       "'courses.enrolment.recorded.v1'")).scalars().all() == [
            kept.id]
