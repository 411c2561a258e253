"""Server-to-server push (R-TRF-2): batches idempotent by the source's keys (unchanged,
changed, withdrawn), an error per row that changes nothing else, a test source's records
kept apart and never published, and only the source's own machine token accepted."""
from __future__ import annotations

import pytest
from transfer_helpers import (
    PLATFORM,
    TEACHERS,
    machine_token,
    open_source,
    outbox_events,
    seen_at_each_call,
)

from contracts.events.transfer import RECORD_ADDED, RECORD_CHANGED, RECORD_WITHDRAWN
from services.transfer.domain.teacher_ids import with_check_digit

IDS = list(TEACHERS)
COURSE = {"source_course_key": "TPE-2013-0001", "title": "閱讀素養教學",
          "organiser_unit_code": "313301", "county_code": "TPE", "start_date": "2013-03-01",
          "end_date": "2013-03-02", "hours": 6, "class_type": "研習", "category": "語文",
          "tags": ["閱讀"], "lecturers": ["王老師"]}


def attendee(n: int, **changes) -> dict:
    return {"source_course_key": "TPE-2013-0001", "teacher_id": IDS[n],
            "teacher_name": f"教師{n}", "school_code": "313502", "hours": 6,
            "completed_on": "2013-03-02", **changes}


def batch(*attendance, courses=(COURSE,)) -> dict:
    return {"courses": list(courses), "attendance": list(attendance)}


def test_a_resend_changes_nothing_a_change_is_an_update_a_withdrawal_removes(api) -> None:
    open_source(api)
    first = api.push("tpe-edu", batch(attendee(0), attendee(1)))
    assert first.status_code == 200, first.json
    assert first.json["counts"]["courses"]["added"] == 1
    assert first.json["counts"]["attendance"]["added"] == 2 and first.json["errors"] == []
    added = outbox_events(api.runtime, RECORD_ADDED)
    assert {e["account_id"] for e in added} == {TEACHERS[IDS[0]], TEACHERS[IDS[1]]}
    assert added[0]["record_key"] == f"TPE-2013-0001/{added[0]['account_id']}"
    assert added[0]["title"] == "閱讀素養教學" and added[0]["hours"] == 6.0
    assert added[0]["version"] == 1

    again = api.push("tpe-edu", batch(attendee(0), attendee(1)))
    assert again.json["counts"]["courses"]["unchanged"] == 1
    assert again.json["counts"]["attendance"]["unchanged"] == 2
    assert len(outbox_events(api.runtime)) == 2  # nothing new published

    changed = api.push("tpe-edu", batch(attendee(0, hours="3.5"), attendee(1)))
    assert changed.json["counts"]["attendance"] == {"added": 0, "changed": 1, "unchanged": 1,
                                                    "withdrawn": 0}
    [update] = outbox_events(api.runtime, RECORD_CHANGED)
    assert update["hours"] == 3.5 and update["version"] == 2

    withdrawn = api.push("tpe-edu", {"withdrawals": [{
        "source_course_key": "TPE-2013-0001", "teacher_id": IDS[1], "reason": "重複報名"}]})
    assert withdrawn.json["counts"]["attendance"]["withdrawn"] == 1
    [gone] = outbox_events(api.runtime, RECORD_WITHDRAWN)
    assert gone["account_id"] == TEACHERS[IDS[1]] and gone["version"] == 2
    assert api.call("get", "/sources/tpe-edu").json["counts"] == {"courses": 1, "attendance": 1}


def test_a_changed_course_changes_its_records_and_a_withdrawn_one_takes_them_along(api) -> None:
    open_source(api)
    api.push("tpe-edu", batch(attendee(0), attendee(1)))
    renamed = api.push("tpe-edu", batch(courses=({**COURSE, "title": "閱讀素養教學（進階）"},)))
    assert renamed.json["counts"]["courses"]["changed"] == 1
    changes = outbox_events(api.runtime, RECORD_CHANGED)
    assert len(changes) == 2 and {c["title"] for c in changes} == {"閱讀素養教學（進階）"}
    assert {c["version"] for c in changes} == {2}
    whole = api.push("tpe-edu", {"withdrawals": [{"source_course_key": "TPE-2013-0001",
                                                   "reason": "課程取消"}]})
    assert whole.json["counts"]["courses"]["withdrawn"] == 1
    assert whole.json["counts"]["attendance"]["withdrawn"] == 2
    assert {e["version"] for e in outbox_events(api.runtime, RECORD_WITHDRAWN)} == {3}
    late = api.push("tpe-edu", batch(attendee(2), courses=()))
    assert late.json["errors"][0]["code"] == "unknown-course"


def test_faulty_rows_are_answered_one_by_one_and_the_rest_is_kept(api) -> None:
    open_source(api)
    stranger = with_check_digit("B" + IDS[0][1:-1])
    frozen = {**COURSE, "source_course_key": "OLD-1", "start_date": "2012-12-31"}
    answer = api.push("tpe-edu", batch(
        attendee(0), attendee(1, teacher_id="A123456780"), attendee(2, teacher_id=stranger),
        attendee(3, hours="1.25", completed_on="2013-13-01"), attendee(0),
        courses=(COURSE, frozen, {**COURSE, "title": ""})))
    assert answer.status_code == 200
    errors = [(e["part"], e["row"], e["field"], e["code"]) for e in answer.json["errors"]]
    assert errors == [
        ("courses", 2, "start_date", "frozen-period"),
        ("courses", 3, "title", "required"),
        ("attendance", 2, "teacher_id", "invalid-national-id"),
        ("attendance", 3, "teacher_id", "unknown-teacher"),
        ("attendance", 4, "hours", "invalid-hours"),
        ("attendance", 4, "completed_on", "invalid-date"),
        ("attendance", 5, "teacher_id", "duplicate-in-batch")]
    first = answer.json["errors"][0]
    assert first["message_zh"] and first["message_en"] and first["message_zh"] != first["message_en"]
    assert answer.json["counts"]["attendance"]["added"] == 1
    # Only valid IDs were looked up; nothing of an ID is echoed back.
    assert api.directory.asked == [sorted([IDS[0], stranger])]
    assert "A123456780" not in answer.get_data(as_text=True)


def test_a_test_source_keeps_its_records_apart_and_publishes_nothing(api) -> None:
    open_source(api, "kh-edu", "523301", state="test")
    answer = api.push("kh-edu", batch(attendee(0)))
    assert answer.json["trial"] is True and answer.json["counts"]["attendance"]["added"] == 1
    assert outbox_events(api.runtime) == []
    assert api.call("get", "/sources/kh-edu/counts").json == []  # test records never count
    # Opening production drops the test run's records: they never count.
    api.call("post", "/sources/kh-edu/steps", json={"step": "test_run_succeeded"})
    api.call("post", "/sources/kh-edu/steps", json={"step": "ministry_approval",
                                                    "reference": "臺教師字第2號"})
    api.call("post", "/sources/kh-edu/state", json={"state": "production"})
    assert api.call("get", "/sources/kh-edu").json["counts"] == {"courses": 0, "attendance": 0}
    live = api.push("kh-edu", batch(attendee(0)))
    assert live.json["trial"] is False and live.json["counts"]["attendance"]["added"] == 1
    assert len(outbox_events(api.runtime, RECORD_ADDED)) == 1


def test_only_the_sources_own_token_pushes(api) -> None:
    open_source(api, "tpe-edu", "313301")
    open_source(api, "kh-edu", "523301")
    body = batch(attendee(0))
    other = api.push("tpe-edu", body, as_source="kh-edu")
    assert other.status_code == 403 and other.json["type"].endswith("not-this-source")
    platform = PLATFORM.sign(subject="operator-1", roles=["operator"])
    assert api.push("tpe-edu", body, token=platform).status_code == 401  # API audience
    business = PLATFORM.sign(subject="biz", roles=["business"], unit="313301")
    assert api.push("tpe-edu", body, token=business).status_code == 401
    no_scope = machine_token("tpe-edu", scope="openid")
    assert api.push("tpe-edu", body, token=no_scope).status_code == 403
    assert api.client.post("/sources/tpe-edu/batches", json=body).status_code == 401
    assert api.push("tpe-edu", body).status_code == 200
    assert api.call("get", "/sources/tpe-edu").json["counts"]["attendance"] == 1


def test_an_archived_or_unknown_source_sends_nothing(api) -> None:
    open_source(api)
    api.push("tpe-edu", batch(attendee(0)))
    api.call("post", "/sources/tpe-edu/state", json={"state": "archived"})
    sealed = api.push("tpe-edu", batch(attendee(0, hours=1)))
    assert sealed.status_code == 409 and sealed.json["type"].endswith("source-closed")
    assert api.call("get", "/sources/tpe-edu").json["counts"]["attendance"] == 1
    assert api.push("nowhere", batch(attendee(0))).status_code == 404
    assert api.push("tpe-edu", {"courses": "not a list"}).status_code == 422


def test_an_operators_exception_lets_one_frozen_course_through(api) -> None:
    open_source(api)
    old = {**COURSE, "source_course_key": "TPE-2012-9", "start_date": "2012-12-30",
           "end_date": "2013-01-02"}
    refused = api.push("tpe-edu", batch(courses=(old,)))
    assert refused.json["errors"][0]["code"] == "frozen-period"
    path = "/sources/tpe-edu/freeze-exceptions"
    body = {"source_course_key": "TPE-2012-9", "reference": "臺教師字第1020000099號"}
    assert api.call("post", path, role="business", unit="313301", json=body).status_code == 403
    assert api.call("post", path, json=body).status_code == 201
    assert api.call("post", path, json=body).status_code == 409
    accepted = api.push("tpe-edu", batch(courses=(old, {**old, "source_course_key": "X-2"})))
    assert accepted.json["counts"]["courses"]["added"] == 1
    assert [(e["row"], e["code"]) for e in accepted.json["errors"]] == [(2, "frozen-period")]



def test_an_event_the_bulk_writer_cannot_vouch_for_is_validated_as_before(
        api, monkeypatch) -> None:
    """R-CRS-11: events are written in bulk, unvalidated past the first of each type, only
    when the contract is sure to take them; an account id that is not a UUID in its
    canonical form sends the batch's events through the validating outbox, which refuses
    a bad one and so the whole batch, as it always did."""
    from services.transfer.adapters import unit_of_work
    monkeypatch.setattr(unit_of_work, "CHECKED_EVENTS", 0)  # nothing spot-checked
    open_source(api)
    api.directory.known[IDS[1]] = TEACHERS[IDS[1]].replace("-", "")  # a UUID still
    answer = api.push("tpe-edu", batch(attendee(0), attendee(1))).json
    assert answer["counts"]["attendance"]["added"] == 2 and not answer["errors"]
    assert [event["account_id"] for event in outbox_events(api.runtime, RECORD_ADDED)] == [
        TEACHERS[IDS[0]], TEACHERS[IDS[1]].replace("-", "")]  # as given, as before
    api.directory.known[IDS[2]] = "not-an-account"
    refused = api.push("tpe-edu", batch(attendee(2), attendee(3)))
    assert refused.status_code == 500
    assert len(outbox_events(api.runtime, RECORD_ADDED)) == 2  # nothing of that batch
    assert api.call("get", "/sources/tpe-edu").json["counts"]["attendance"] == 2


def test_a_batch_is_accepted_with_what_the_process_holds_out_of_the_collectors_passes(
        api, monkeypatch) -> None:
    """The objects alive when a push starts are frozen while its batch is accepted
    (``gc.freeze``: the collector's full passes skip them), young objects are collected
    every ``YOUNG_OBJECTS`` made, and both are given back after."""
    import gc

    from services.transfer.handlers import collector, push
    open_source(api)
    seen = seen_at_each_call(monkeypatch, push, "accept",
                             lambda: (gc.get_freeze_count(), gc.get_threshold()))
    before, thresholds = gc.get_freeze_count(), gc.get_threshold()
    answer = api.push("tpe-edu", batch(attendee(0)))
    assert answer.status_code == 200 and answer.json["counts"]["attendance"]["added"] == 1
    assert seen and all(frozen > before for frozen, _ in seen)
    assert all(during == (collector.YOUNG_OBJECTS, *thresholds[1:]) for _, during in seen)
    assert gc.get_freeze_count() == before and gc.get_threshold() == thresholds


def test_a_part_that_is_not_a_list_of_rows_is_refused_whole(api) -> None:
    """The batch's parts are checked as lists of at most 10,000 rows, each row not null;
    what a row holds is the handler's to answer, row by row."""
    open_source(api)
    refused = api.push("tpe-edu", {"courses": "not a list", "attendance": {"row": 1},
                                   "withdrawals": None})
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert refused.json["type"] == "urn:inservice:problem:validation-failed"
    assert refused.json["errors"] == {"courses": ["Not a valid list."],
                                      "attendance": ["Not a valid list."],
                                      "withdrawals": ["Field may not be null."]}
    too_long = api.push("tpe-edu", batch(*[attendee(0)] * 10_001))
    assert too_long.status_code == 422
    assert too_long.json["errors"] == {"attendance": ["Longer than maximum length 10000."]}
    null_rows = api.push("tpe-edu", batch(attendee(0), None, attendee(1), None))
    assert null_rows.status_code == 422
    assert null_rows.json["errors"] == {"attendance": {"1": ["Field may not be null."],
                                                       "3": ["Field may not be null."]}}
    assert api.call("get", "/sources/tpe-edu").json["counts"]["attendance"] == 0
    assert api.push("tpe-edu", batch(attendee(0), "not a row")).status_code == 200


@pytest.mark.parametrize("database", ["api", "pg_api"])
def test_a_batch_written_in_parts_keeps_each_row_once_with_its_event(
        request, monkeypatch, database: str) -> None:
    """R-TRF-2, R-CRS-11: a pushed batch's rows to write go to the server in parts (each
    made while the server stores the one before); parts holding both new and changed
    rows keep each once, at its version, with one event each, on both databases."""
    from services.transfer.handlers import push
    api = request.getfixturevalue(database)
    monkeypatch.setattr(push, "PART_ROWS", 10)
    open_source(api)
    rows = [attendee(n) for n in range(30)]
    answer = api.push("tpe-edu", batch(*rows)).json
    assert answer["counts"]["attendance"]["added"] == 30 and not answer["errors"]
    rows[3], rows[25] = attendee(3, hours=2), attendee(25, hours=2)
    rows += [attendee(n) for n in range(30, 34)]  # new rows, in the last part
    counts = api.push("tpe-edu", {"attendance": rows}).json["counts"]["attendance"]
    assert counts == {"added": 4, "changed": 2, "unchanged": 28, "withdrawn": 0}
    added = outbox_events(api.runtime, RECORD_ADDED)
    changed = outbox_events(api.runtime, RECORD_CHANGED)
    assert sorted(event["account_id"] for event in added) == sorted(
        TEACHERS[i] for i in IDS[:34])
    assert {(event["account_id"], event["hours"], event["version"]) for event in changed} == {
        (TEACHERS[IDS[3]], 2.0, 2), (TEACHERS[IDS[25]], 2.0, 2)}
    assert api.call("get", "/sources/tpe-edu").json["counts"]["attendance"] == 34


@pytest.mark.parametrize("database", ["api", "pg_api"])
def test_a_failure_in_a_later_part_keeps_nothing_of_the_batch(
        request, monkeypatch, database: str) -> None:
    """A batch is one transaction, in parts or not: when making the second part fails
    while the server still stores the first (on PostgreSQL, the COPY is abandoned), the
    answer is a 500 and nothing of the batch is kept; sent again, every row is added."""
    from services.transfer.handlers import push
    api = request.getfixturevalue(database)
    monkeypatch.setattr(push, "PART_ROWS", 10)
    open_source(api)
    api.push("tpe-edu", batch())
    made = push._Writer._values
    calls = []

    def second_fails(self, *args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the second part could not be made")
        return made(self, *args)

    monkeypatch.setattr(push._Writer, "_values", second_fails)
    rows = {"attendance": [attendee(n) for n in range(20)]}
    failed = api.push("tpe-edu", rows)
    assert failed.status_code == 500 and failed.json["type"].endswith("internal-error")
    assert len(calls) == 2
    assert api.call("get", "/sources/tpe-edu").json["counts"]["attendance"] == 0
    assert outbox_events(api.runtime, RECORD_ADDED) == []
    monkeypatch.setattr(push._Writer, "_values", made)
    counts = api.push("tpe-edu", rows).json["counts"]["attendance"]
    assert counts["added"] == 20
    assert len(outbox_events(api.runtime, RECORD_ADDED)) == 20
