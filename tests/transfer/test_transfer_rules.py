"""Issue 12 items 6 and 9 (R-TRF-5, R-TRF-6, R-TRF-11): the deadline list per source
(monthly files by the 5th, daily pushes by their silences), the sources' own counts and
the audits that compare them with what transfer holds, the duplicate match rule across
sources, the archive of silent sources, and uploads a restart interrupted."""
from __future__ import annotations

import argparse
import io
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from transfer_helpers import TEACHERS, machine_token, open_source, outbox_events

from contracts.events.transfer import RECORD_ADDED
from servicekit.clock import FixedClock
from services.transfer.adapters.tables import source_deliveries, uploads
from services.transfer.commands import COMMANDS
from services.transfer.handlers import rules
from services.transfer.handlers.uploads import fail_interrupted

IDS = list(TEACHERS)


def at(day: str, hour: int = 4) -> datetime:  # 12:00 in Taipei
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def course(key: str = "C-1", title: str = "閱讀素養教學（進階）", start: str = "2026-03-02",
           organiser: str = "313301") -> dict:
    return {"source_course_key": key, "title": title, "organiser_unit_code": organiser,
            "county_code": "TPE", "start_date": start, "end_date": start, "hours": 3,
            "class_type": "研習", "category": "語文"}


def attendee(n: int, key: str = "C-1", day: str = "2026-03-02", hours: str = "3") -> dict:
    return {"source_course_key": key, "teacher_id": IDS[n], "teacher_name": f"教師{n}",
            "school_code": "313502", "hours": hours, "completed_on": day}


def command(api, name: str, *argv: str) -> dict:
    [found] = [c for c in COMMANDS if c.name == name]
    parser = argparse.ArgumentParser()
    found.arguments(parser)
    return found.run(api.runtime, parser.parse_args(list(argv)))  # type: ignore[return-value]


def clocked(api, day: str) -> FixedClock:
    clock = FixedClock(at(day))
    api.runtime.clock = clock
    return clock


def register(api, code: str, mode: str, unit: str = "313301") -> None:
    """A source of ``mode`` through its onboarding steps into production."""
    assert api.call("post", "/sources", json={"code": code, "name": code, "owner_unit": unit,
                                              "mode": mode}).status_code == 201
    api.call("post", f"/sources/{code}/steps", json={"step": "format_check_passed"})
    api.call("post", f"/sources/{code}/state", json={"state": "test"})
    api.call("post", f"/sources/{code}/steps", json={"step": "test_run_succeeded"})
    api.call("post", f"/sources/{code}/steps", json={"step": "ministry_approval",
                                                     "reference": "臺教師(三)字第1號"})
    assert api.call("post", f"/sources/{code}/state",
                    json={"state": "production"}).status_code == 200


def test_the_deadline_list_says_on_time_late_missing_per_source(api) -> None:
    clock = clocked(api, "2026-01-10")
    register(api, "push-ok", "daily_push")
    register(api, "push-gap", "daily_push")
    register(api, "file-ok", "monthly_file")
    register(api, "file-late", "monthly_file", unit="353301")
    register(api, "file-none", "monthly_file")
    for day in range(1, 32, 2):  # push-ok every other day of March
        clock.set(at(f"2026-03-{day:02d}"))
        assert api.push("push-ok", {"courses": [course()]}).status_code == 200
    clock.set(at("2026-03-01"))
    api.push("push-gap", {"courses": [course()]})
    clock.set(at("2026-03-20"))
    api.push("push-gap", {"courses": [course()]})
    clock.set(at("2026-04-03"))
    with api.runtime.components.unit_of_work() as uow:  # files, as processing records them
        uow.deliveries.record("file-ok", at("2026-04-03").date(), "file", 10, clock.now())
        uow.deliveries.record("file-late", at("2026-04-08").date(), "file", 10, clock.now())
    clock.set(at("2026-04-06"))
    answer = api.call("get", "/deadlines?month=2026-03")
    assert answer.status_code == 200, answer.json
    status = {row["source"]: row["status"] for row in answer.json}
    assert status == {"push-ok": "on_time", "push-gap": "late", "file-ok": "on_time",
                      "file-late": "missing", "file-none": "missing"}
    [ok] = [row for row in answer.json if row["source"] == "file-ok"]
    assert ok["due"] == "2026-04-05" and ok["reported_on"] == "2026-04-03"
    [gap] = [row for row in answer.json if row["source"] == "push-gap"]
    assert gap["longest_silence_days"] == 18 and gap["silence_days_allowed"] == 3
    # The previous month by default; a unit's business accounts see their own sources.
    clock.set(at("2026-04-09"))
    assert len(api.call("get", "/deadlines").json) == 5
    own = api.call("get", "/deadlines?month=2026-03", role="business", unit="353301").json
    assert [(row["source"], row["status"]) for row in own] == [("file-late", "late")]
    assert api.call("get", "/deadlines", role="business").json == []
    bad = api.call("get", "/deadlines?month=2026-13")
    assert bad.status_code == 422 and bad.headers["Content-Type"].startswith(
        "application/problem+json")
    # The scheduled check records and names the late and missing ones.
    found = command(api, "check-deadlines", "--month", "2026-03")
    assert found == {"month": "2026-03", "sources": 5, "late": ["file-late", "push-gap"],
                     "missing": ["file-none"],
                     "mails": {"sent": 0, "failed": 0, "waiting_for_contact": 3}}
    with api.runtime.components.unit_of_work() as uow:
        assert set(uow.audits.findings(at("2026-03-01").date())) == {
            "file-late", "push-gap", "file-none"}


def test_a_source_states_its_counts_and_the_audit_lists_the_differences(api) -> None:
    clock = clocked(api, "2026-02-15")
    open_source(api, "tpe-edu")
    clock.set(at("2026-03-05"))
    api.push("tpe-edu", {"courses": [course()], "attendance": [attendee(0), attendee(1)]})
    clock.set(at("2026-04-02"))
    put = api.client.put("/sources/tpe-edu/reported-counts/2026-03", json={
        "courses": 1, "attendance": 3, "hours": "6.0"},
        headers={"Authorization": f"Bearer {machine_token('tpe-edu')}"})
    assert put.status_code == 200, put.json
    assert put.json["hours"] == "6.0"
    for refused, status in ((machine_token("other"), 403), (None, 401)):
        answer = api.client.put("/sources/tpe-edu/reported-counts/2026-03", json={
            "courses": 1, "attendance": 3, "hours": "6.0"},
            headers={"Authorization": f"Bearer {refused}"} if refused else {})
        assert answer.status_code == status
        assert answer.headers["Content-Type"].startswith("application/problem+json")
    for body in ({"courses": -1, "attendance": 0, "hours": "0"},
                 {"courses": 1, "attendance": 0, "hours": "1.25"}):
        bad = api.client.put("/sources/tpe-edu/reported-counts/2026-03", json=body,
                             headers={"Authorization": f"Bearer {machine_token('tpe-edu')}"})
        assert bad.status_code == 422, bad.json
    open_month = api.client.put("/sources/tpe-edu/reported-counts/2026-04", json={
        "courses": 0, "attendance": 0, "hours": "0"},
        headers={"Authorization": f"Bearer {machine_token('tpe-edu')}"})
    assert open_month.status_code == 422 and open_month.json["type"].endswith(
        "month-not-closed")

    opened = command(api, "open-audits")
    assert [(a["kind"], a["first_month"]) for a in opened["opened"]] == [
        ("monthly", "2026-03-01")]
    assert command(api, "open-audits")["opened"] == []  # each opened once
    [audit] = api.call("get", "/sources/tpe-edu/audits").json
    assert audit["kind"] == "monthly" and audit["first_month"] == "2026-03"
    [line] = audit["lines"]
    assert line["reported"] == {"courses": 1, "attendance": 3, "hours": "6.0"}
    assert line["held"] == {"courses": 1, "attendance": 2, "hours": "6.0"}
    assert line["differences"] == ["attendance"] and audit["differences"] == 1
    one = api.call("get", f"/sources/tpe-edu/audits/{audit['audit_id']}",
                   role="business", unit="313301")
    assert one.status_code == 200 and one.json["audit_id"] == audit["audit_id"]
    assert api.call("get", "/sources/tpe-edu/audits", role="business",
                    unit="353301").status_code == 404
    assert api.call("get", f"/sources/tpe-edu/audits/{uuid.uuid4()}").status_code == 404
    # A month the source did not state differs in every measure.
    clock.set(at("2026-05-02"))
    [april] = command(api, "open-audits")["opened"]
    assert april["differences"] == 3


@pytest.mark.parametrize("database", ["api", "pg_api"])
def test_the_same_teacher_in_the_same_course_from_two_sources_is_one_record(
        request, database: str) -> None:
    api = request.getfixturevalue(database)
    clocked(api, "2026-02-15")
    open_source(api, "tpe-edu")
    open_source(api, "ntpc-edu", unit="353301")
    first = api.push("tpe-edu", {"courses": [course()], "attendance": [attendee(0)]})
    assert first.json["duplicates"] == []
    # The same course typed otherwise (half-width brackets, a space), teacher 0 and 1.
    second = api.push("ntpc-edu", {
        "courses": [course("N-9", "閱讀素養教學 (進階)")],
        "attendance": [attendee(0, "N-9"), attendee(1, "N-9")]})
    assert second.status_code == 200, second.json
    assert second.json["counts"]["attendance"]["added"] == 2
    assert second.json["duplicates"] == [{"part": "attendance", "row": 1,
                                          "kept_source": "tpe-edu", "kept_course_key": "C-1"}]
    published = outbox_events(api.runtime, RECORD_ADDED)
    assert sorted(e["source"] for e in published) == ["ntpc-edu", "tpe-edu"]  # not twice
    assert api.call("get", "/sources/ntpc-edu").json["counts"]["attendance"] == 1
    listed = api.call("get", "/duplicates").json
    assert [(d["source"], d["course_key"], d["account_id"], d["kept_source"])
            for d in listed] == [("ntpc-edu", "N-9", TEACHERS[IDS[0]], "tpe-edu")]
    assert api.call("get", "/duplicates", role="business", unit="353301").status_code == 403
    # Sent again: unchanged; changed: still a duplicate, never published.
    again = api.push("ntpc-edu", {"attendance": [attendee(0, "N-9")]})
    assert again.json["counts"]["attendance"]["unchanged"] == 1
    changed = api.push("ntpc-edu", {"attendance": [attendee(0, "N-9", hours="2")]})
    assert changed.json["counts"]["attendance"]["changed"] == 1
    assert len(outbox_events(api.runtime, RECORD_ADDED)) == 2
    # Another start date, organiser or title is another course.
    other = api.push("ntpc-edu", {
        "courses": [course("N-10", start="2026-03-03"), course("N-11", organiser="353301"),
                    course("N-12", "閱讀素養教學")],
        "attendance": [attendee(0, key) for key in ("N-10", "N-11", "N-12")]})
    assert other.json["duplicates"] == []
    # Withdrawn by its source, the duplicate goes.
    gone = api.push("ntpc-edu", {"withdrawals": [{"source_course_key": "N-9",
                                                  "teacher_id": IDS[0], "reason": "重複"}]})
    assert gone.json["counts"]["attendance"]["withdrawn"] == 1 and gone.json["errors"] == []
    assert api.call("get", "/duplicates").json == []


def test_silent_sources_are_archived_and_interrupted_uploads_fail_with_a_reason(api) -> None:
    clock = clocked(api, "2012-06-01")
    open_source(api, "old-quiet")
    open_source(api, "old-busy")
    clock.set(at("2013-02-01"))
    api.push("old-busy", {"courses": [course(start="2013-01-20")]})
    open_source(api, "newcomer")  # opened after the cut-off: not had the chance
    done = command(api, "archive-silent-sources")
    assert done == {"since": "2013-01-01", "archived": ["old-quiet"]}
    assert api.call("get", "/sources/old-quiet").json["state"] == "archived"
    assert api.push("old-quiet", {"courses": []}).status_code == 409

    made = at("2013-02-01")
    with api.runtime.database.engine.begin() as connection:
        for upload_id, status, when in (("u-stuck", "processing", made),
                                        ("u-fresh", "processing", made + timedelta(hours=3)),
                                        ("u-done", "done", made)):
            connection.execute(uploads.insert().values(
                upload_id=upload_id, source="old-busy", filename="m.xlsx", status=status,
                rows_total=5000, rows_done=2000, error_count=0, created_by="biz-1",
                created_at=when))
    clock.set(made + timedelta(hours=3, minutes=30))
    assert command(api, "fail-interrupted-uploads") == {"failed": 1, "upload_ids": ["u-stuck"]}
    stuck = api.call("get", "/sources/old-busy/files/u-stuck").json
    assert stuck["status"] == "failed" and "row 2000 of 5000" in stuck["failure"]
    assert "send the same file again" in stuck["failure"]
    # At the start of the embedded platform every unfinished upload is interrupted.
    assert fail_interrupted(api.runtime.components.unit_of_work(), clock,
                            timedelta(0))["upload_ids"] == ["u-fresh"]


def test_the_previous_month_is_taipei_s() -> None:
    # 2026-03-31 17:00 UTC is already April 1st in Taipei.
    assert rules.previous_month(FixedClock(datetime(2026, 3, 31, 17, tzinfo=UTC))).month == 3
    assert rules.previous_month(FixedClock(datetime(2026, 3, 31, 15, tzinfo=UTC))).month == 2


def test_a_processed_file_is_its_day_s_delivery_and_a_tested_one_is_not(api) -> None:
    clock = clocked(api, "2026-04-02")
    register(api, "ila-edu", "monthly_file", unit="023301")
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<batch xmlns="urn:inservice:transfer:format:v1">
  <course><source_course_key>ILA-9</source_course_key><title>戶外教育</title>
    <organiser_unit_code>023301</organiser_unit_code><county_code>ILA</county_code>
    <start_date>2026-03-01</start_date><end_date>2026-03-01</end_date><hours>2</hours>
    <class_type>研習</class_type><category>戶外</category></course>
  <attendance><source_course_key>ILA-9</source_course_key><teacher_id>{IDS[3]}</teacher_id>
    <teacher_name>教師</teacher_name><school_code>024501</school_code><hours>2</hours>
    <completed_on>2026-03-01</completed_on></attendance>
</batch>""".encode()

    def send(path: str):
        return api.client.post(path, headers=api.headers("business", "023301"),
                               data={"file": (io.BytesIO(xml), "2026-03.xml")},
                               content_type="multipart/form-data")

    # Another source reported the same teacher in the same course (typed otherwise) first.
    open_source(api, "tpe-edu")
    api.push("tpe-edu", {"courses": [course("T-1", "戶外 教育", "2026-03-01", "023301")],
                         "attendance": [attendee(3, "T-1", "2026-03-01")]})
    assert send("/sources/ila-edu/file-tests").status_code == 200
    with api.runtime.components.unit_of_work() as uow:
        assert uow.deliveries.last_day("ila-edu") is None
    upload_id = send("/sources/ila-edu/files").json["upload_id"]
    for _ in range(200):
        state = api.call("get", f"/sources/ila-edu/files/{upload_id}").json
        if state["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert state["status"] == "done", state
    assert state["error_count"] == 0 and state["counts"]["attendance"]["added"] == 1
    report = api.call("get", f"/sources/ila-edu/files/{upload_id}/report.csv?table=attendance")
    assert "reported first by tpe-edu (T-1); kept as a linked duplicate" in \
        report.data.decode("utf-8-sig").splitlines()[1]
    clock.set(at("2026-04-06"))
    [row] = api.call("get", "/deadlines?month=2026-03").json
    assert (row["status"], row["reported_on"]) == ("on_time", "2026-04-02")


def test_the_match_follows_a_changed_course(api) -> None:
    """A course's place under the rule is read from the course as it is now: renamed by
    its source, its records match the new title, no longer the old one."""
    clocked(api, "2026-02-15")
    open_source(api, "tpe-edu")
    open_source(api, "ntpc-edu", unit="353301")
    api.push("tpe-edu", {"courses": [course(title="舊名")], "attendance": [attendee(0)]})
    api.push("tpe-edu", {"courses": [course(title="新名")]})  # renamed by its source
    old = api.push("ntpc-edu", {"courses": [course("N-1", "舊名")],
                                "attendance": [attendee(0, "N-1")]})
    assert old.json["duplicates"] == []
    new = api.push("ntpc-edu", {"courses": [course("N-2", "新名")],
                                "attendance": [attendee(0, "N-2")]})
    assert [d["kept_course_key"] for d in new.json["duplicates"]] == ["C-1"]


@pytest.mark.parametrize("database", ["api", "pg_api"])
def test_a_day_s_deliveries_add_up_per_kind(request, database) -> None:
    """Each batch pushed and each file processed is one more delivery of its day and kind:
    the batches counted, their rows summed, the last moment kept (the deadlines read the
    days, R-TRF-6)."""
    api = request.getfixturevalue(database)
    clock = clocked(api, "2026-03-04")
    open_source(api, "tpe-edu")
    for rows in (3, 2):
        clock.advance(minutes=5)
        assert api.push("tpe-edu", {"courses": [course(f"D-{rows}")] * rows}).status_code == 200
    with api.runtime.database.session() as session:
        kept = session.execute(select(source_deliveries)).mappings().all()
    assert [(row["day"].isoformat(), row["kind"], row["batches"], row["rows"])
            for row in kept] == [("2026-03-04", "push", 2, 5)]
    assert kept[0]["last_at"] == clock.now()
