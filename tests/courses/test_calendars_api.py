"""Calendars through the HTTP API (RFC 5545, issue 11 item 5): a published course as
``.ics`` and a teacher's courses at a secret address the teacher resets, each read back
with the ``icalendar`` library. Expectations written by hand."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from courses_factory import add_course, add_teachers
from icalendar import Calendar
from sqlalchemy import insert, select, update

from services.courses.adapters.orm import calendar_tokens, course_meetings, teacher_replica

PROBLEM = "application/problem+json"
TAIPEI = ZoneInfo("Asia/Taipei")
PUBLIC = "http://127.0.0.1:8080"
T1, T2, T3 = ("11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222",
              "33333333-3333-4333-8333-333333333333")


def problem_type(answer) -> str:
    assert answer.mimetype == PROBLEM, answer.get_data(as_text=True)
    return answer.get_json()["type"].rsplit(":", 1)[-1]


def course_with_meetings(database, title="閱讀理解教學工作坊", status="approved", capacity=3,
                         meetings=((date(2026, 5, 1), time(9), time(12)),
                                   (date(2026, 5, 8), time(13, 30), time(16, 30)))) -> str:
    course = add_course(database, title=title, status=status, capacity=capacity,
                        place="臺中市立圖書館 3 樓", starts_on=meetings[0][0],
                        ends_on=meetings[-1][0])
    with database.session() as session:
        session.execute(insert(course_meetings), [
            {"course_id": course, "position": n, "meets_on": on, "starts_at": start,
             "ends_at": end} for n, (on, start, end) in enumerate(meetings)])
    return course


def events(answer) -> list:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "text/calendar"
    calendar = Calendar.from_ical(answer.get_data())
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("DTSTART"))


def new_address(enrol_api, teacher: str) -> str:
    answer = enrol_api.call("post", "/calendar-token", subject=teacher)
    assert answer.status_code == 201, answer.get_json()
    url = answer.get_json()["url"]
    assert url.startswith(f"{PUBLIC}/api/courses/calendars/") and url.endswith(".ics")
    return url.removeprefix(f"{PUBLIC}/api/courses")  # the path on the service


def read(enrol_api, path: str):
    return enrol_api.call("get", path, role=None)


def test_a_published_course_is_one_event_per_meeting_in_taipei_time(enrol_api) -> None:
    course = course_with_meetings(enrol_api.runtime.database)
    answer = read(enrol_api, f"/{course}/calendar.ics")
    found = events(answer)
    assert [(e.decoded("DTSTART"), e.decoded("DTEND")) for e in found] == [
        (datetime(2026, 5, 1, 9, 0, tzinfo=TAIPEI), datetime(2026, 5, 1, 12, 0, tzinfo=TAIPEI)),
        (datetime(2026, 5, 8, 13, 30, tzinfo=TAIPEI),
         datetime(2026, 5, 8, 16, 30, tzinfo=TAIPEI))]
    assert [e["DTSTART"].params["TZID"] for e in found] == ["Asia/Taipei", "Asia/Taipei"]
    assert [str(e["UID"]) for e in found] == [f"{course}-0@courses.inservice",
                                              f"{course}-1@courses.inservice"]
    assert {str(e["SUMMARY"]) for e in found} == {"閱讀理解教學工作坊"}
    assert {str(e["LOCATION"]) for e in found} == {"臺中市立圖書館 3 樓"}
    assert {str(e["URL"]) for e in found} == {f"{PUBLIC}/courses/{course}"}
    calendar = Calendar.from_ical(answer.get_data())
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Taipei"]
    # The same course read again gives the same events (a calendar app updates, not adds).
    again = events(read(enrol_api, f"/{course}/calendar.ics"))
    assert [e.to_ical() for e in again] == [e.to_ical() for e in found]


def test_a_course_not_published_has_no_calendar(enrol_api) -> None:
    draft = course_with_meetings(enrol_api.runtime.database, status="draft")
    for path in (f"/{draft}/calendar.ics", f"/{T1}/calendar.ics", "/not-an-id/calendar.ics"):
        answer = read(enrol_api, path)
        assert (answer.status_code, problem_type(answer)) == (404, "course-not-found")


def test_a_teachers_calendar_shows_their_courses_until_they_cancel(enrol_api) -> None:
    database = enrol_api.runtime.database
    seat = course_with_meetings(database, title="有座位的研習")
    full = course_with_meetings(database, title="候補中的研習", capacity=1,
                                meetings=((date(2026, 5, 2), time(9), time(11)),))
    other = course_with_meetings(database, title="別人的研習")
    assert enrol_api.call("post", f"/{full}/enrolments", subject=T2).status_code == 201
    for course in (seat, full):
        assert enrol_api.call("post", f"/{course}/enrolments", subject=T1).status_code == 201
    assert enrol_api.call("post", f"/{other}/enrolments", subject=T2).status_code == 201
    path = new_address(enrol_api, T1)
    found = events(read(enrol_api, path))
    assert [(str(e["SUMMARY"]), str(e["STATUS"])) for e in found] == [
        ("有座位的研習", "CONFIRMED"), ("候補中的研習", "TENTATIVE"), ("有座位的研習", "CONFIRMED")]
    answer = read(enrol_api, path)
    assert answer.headers["Cache-Control"] == "private, no-store"
    # The teacher withdraws from a course: it leaves the calendar.
    assert enrol_api.call("delete", f"/{seat}/enrolments/me", subject=T1).status_code == 200
    assert [str(e["SUMMARY"]) for e in events(read(enrol_api, path))] == ["候補中的研習"]


def test_a_reset_address_replaces_the_old_which_answers_404(enrol_api) -> None:
    course = course_with_meetings(enrol_api.runtime.database)
    assert enrol_api.call("post", f"/{course}/enrolments", subject=T1).status_code == 201
    old = new_address(enrol_api, T1)
    assert len(events(read(enrol_api, old))) == 2
    new = new_address(enrol_api, T1)
    assert new != old
    gone = read(enrol_api, old)
    assert (gone.status_code, problem_type(gone)) == (404, "calendar-not-found")
    assert len(events(read(enrol_api, new))) == 2
    # Only the digest is kept: the token itself is nowhere in the table.
    token = new.removeprefix("/calendars/").removesuffix(".ics")
    with enrol_api.runtime.database.session() as session:
        rows = session.execute(select(calendar_tokens)).all()
    assert [(row.account_id, row.token_sha256) for row in rows] == [
        (T1, hashlib.sha256(token.encode()).hexdigest())]


def test_the_secret_address_never_reaches_the_log(enrol_api, caplog) -> None:
    path = new_address(enrol_api, T1)
    token = path.removeprefix("/calendars/").removesuffix(".ics")
    caplog.clear()
    with caplog.at_level("INFO", logger="servicekit.http"):
        events(read(enrol_api, path))
    logged = [record.path for record in caplog.records if record.getMessage() == "request"]
    assert logged == ["/calendars/<token>.ics"]
    assert token not in caplog.text


def test_another_teacher_cannot_read_yours(enrol_api) -> None:
    database = enrol_api.runtime.database
    mine = course_with_meetings(database, title="我的研習")
    theirs = course_with_meetings(database, title="他的研習")
    assert enrol_api.call("post", f"/{mine}/enrolments", subject=T1).status_code == 201
    assert enrol_api.call("post", f"/{theirs}/enrolments", subject=T2).status_code == 201
    my_path, their_path = new_address(enrol_api, T1), new_address(enrol_api, T2)
    assert {str(e["SUMMARY"]) for e in events(read(enrol_api, my_path))} == {"我的研習"}
    assert {str(e["SUMMARY"]) for e in events(read(enrol_api, their_path))} == {"他的研習"}
    # A token is the only key: a signed-in teacher without it gets nothing, nor a guess.
    guessed = "/calendars/" + "A" * 43 + ".ics"
    for path in (guessed, "/calendars/short.ics", my_path.replace(".ics", "x.ics")):
        for role, subject in ((None, "anyone"), ("teacher", T2)):
            answer = enrol_api.call("get", path, role=role, subject=subject)
            assert (answer.status_code, problem_type(answer)) == (404, "calendar-not-found")
    # Only a teacher makes an address, for themself.
    business = enrol_api.call("post", "/calendar-token", role="business", unit="190001")
    assert (business.status_code, problem_type(business)) == (403, "forbidden")
    assert enrol_api.call("post", "/calendar-token", role=None).status_code == 401


def test_a_disabled_teachers_calendar_answers_404(enrol_api) -> None:
    database = enrol_api.runtime.database
    add_teachers(database, T3)
    course = course_with_meetings(database)
    assert enrol_api.call("post", f"/{course}/enrolments", subject=T3).status_code == 201
    path = new_address(enrol_api, T3)
    assert len(events(read(enrol_api, path))) == 2
    with database.session() as session:
        session.execute(update(teacher_replica).where(teacher_replica.c.account_id == T3)
                        .values(status="disabled"))
    answer = read(enrol_api, path)
    assert (answer.status_code, problem_type(answer)) == (404, "calendar-not-found")
