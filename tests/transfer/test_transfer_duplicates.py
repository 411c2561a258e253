"""Linked duplicates when the record kept changes (R-TRF-11, issue 12 item 6): the oldest
duplicate is promoted when the record kept is withdrawn (a withdrawal row, or its course
withdrawn), with ``transfer.record.added.v1`` in the same transaction; a course changed
afterwards is matched again (a record that now collides becomes a duplicate, one that no
longer collides is promoted); archiving a source withdraws nothing."""
from __future__ import annotations

import pytest
from test_transfer_rules import IDS, attendee, clocked, course
from transfer_helpers import TEACHERS, open_source, outbox_events

from contracts.events.transfer import RECORD_ADDED, RECORD_WITHDRAWN
from servicekit.clock import FixedClock

IDS_ACCOUNTS = [TEACHERS[number] for number in IDS]
A0 = IDS_ACCOUNTS[0]


def _open_three(api) -> FixedClock:
    """Three production sources; each push a minute after the one before (a duplicate's
    age is when it was found)."""
    clock = clocked(api, "2026-02-15")
    open_source(api, "tpe-edu")
    open_source(api, "ntpc-edu", unit="353301")
    open_source(api, "kh-edu", unit="383301")
    pushing = api.push

    def push(*args, **kwargs):
        clock.advance(minutes=1)
        return pushing(*args, **kwargs)
    api.push = push
    return clock


def _duplicates(api) -> list[tuple[str, str, str, str]]:
    return [(d["source"], d["course_key"], d["kept_source"], d["kept_course_key"])
            for d in api.call("get", "/duplicates").json]


def _live(api, code: str) -> int:
    return api.call("get", f"/sources/{code}").json["counts"]["attendance"]


@pytest.mark.parametrize("database", ["api", "pg_api"])
def test_the_oldest_duplicate_takes_the_place_of_a_withdrawn_record(request,
                                                                     database: str) -> None:
    api = request.getfixturevalue(database)
    _open_three(api)
    api.push("tpe-edu", {"courses": [course()], "attendance": [attendee(0)]})
    api.push("ntpc-edu", {"courses": [course("N-1")], "attendance": [attendee(0, "N-1")]})
    api.push("kh-edu", {"courses": [course("K-1")], "attendance": [attendee(0, "K-1")]})
    assert _duplicates(api) == [("kh-edu", "K-1", "tpe-edu", "C-1"),
                                ("ntpc-edu", "N-1", "tpe-edu", "C-1")]
    added_before = len(outbox_events(api.runtime, RECORD_ADDED))

    gone = api.push("tpe-edu", {"withdrawals": [{"source_course_key": "C-1",
                                                 "teacher_id": attendee(0)["teacher_id"],
                                                 "reason": "誤報"}]})
    assert gone.status_code == 200 and gone.json["errors"] == []
    # ntpc-edu's came first: it is the record kept now, published with its own keys.
    [promoted] = outbox_events(api.runtime, RECORD_ADDED)[added_before:]
    assert promoted["source"] == "ntpc-edu" and promoted["record_key"] == f"N-1/{A0}"
    assert promoted["hours"] == 3.0 and promoted["version"] == 1
    assert promoted["title"] == "閱讀素養教學（進階）"
    assert _live(api, "ntpc-edu") == 1 and _live(api, "tpe-edu") == 0
    assert _duplicates(api) == [("kh-edu", "K-1", "ntpc-edu", "N-1")]
    # Sent again by its source, the promoted record is unchanged.
    again = api.push("ntpc-edu", {"attendance": [attendee(0, "N-1")]})
    assert again.json["counts"]["attendance"] == {"added": 0, "changed": 0, "unchanged": 1,
                                                  "withdrawn": 0}
    # The withdrawn record sent again comes second now: a duplicate of the promoted one.
    back = api.push("tpe-edu", {"attendance": [attendee(0)]})
    assert back.json["duplicates"] == [{"part": "attendance", "row": 1,
                                        "kept_source": "ntpc-edu", "kept_course_key": "N-1"}]
    assert _live(api, "tpe-edu") == 0
    assert len(outbox_events(api.runtime, RECORD_ADDED)) == added_before + 1
    # The chain goes on: ntpc-edu's withdrawn, kh-edu's (found before tpe-edu's came back)
    # is kept, and tpe-edu's follows it.
    api.push("ntpc-edu", {"withdrawals": [{"source_course_key": "N-1",
                                           "teacher_id": attendee(0)["teacher_id"],
                                           "reason": "誤報"}]})
    assert _duplicates(api) == [("tpe-edu", "C-1", "kh-edu", "K-1")]
    assert [_live(api, code) for code in ("tpe-edu", "ntpc-edu", "kh-edu")] == [0, 0, 1]
    assert outbox_events(api.runtime, RECORD_ADDED)[-1]["record_key"] == f"K-1/{A0}"


def test_a_withdrawn_course_hands_each_record_to_its_duplicate(api) -> None:
    _open_three(api)
    api.push("tpe-edu", {"courses": [course()], "attendance": [attendee(0), attendee(1)]})
    api.push("ntpc-edu", {"courses": [course("N-1")], "attendance": [attendee(1, "N-1")]})
    api.push("tpe-edu", {"withdrawals": [{"source_course_key": "C-1", "reason": "停辦"}]})
    withdrawn = outbox_events(api.runtime, RECORD_WITHDRAWN)
    assert sorted(e["record_key"].split("/")[1] for e in withdrawn) == sorted(
        IDS_ACCOUNTS[:2])
    promoted = [e for e in outbox_events(api.runtime, RECORD_ADDED) if e["source"] == "ntpc-edu"]
    assert [e["record_key"] for e in promoted] == [f"N-1/{IDS_ACCOUNTS[1]}"]
    assert _duplicates(api) == [] and _live(api, "ntpc-edu") == 1
    # Teacher 0 had no duplicate: nothing else was published.
    assert len(outbox_events(api.runtime, RECORD_ADDED)) == 3


def test_withdrawing_something_else_promotes_nothing_and_archiving_keeps_the_record(api) -> None:
    _open_three(api)
    api.push("tpe-edu", {"courses": [course(), course("C-2", "另一門")],
                         "attendance": [attendee(0), attendee(0, "C-2")]})
    api.push("ntpc-edu", {"courses": [course("N-1")], "attendance": [attendee(0, "N-1")]})
    api.push("tpe-edu", {"withdrawals": [{"source_course_key": "C-2", "reason": "停辦"}]})
    assert _duplicates(api) == [("ntpc-edu", "N-1", "tpe-edu", "C-1")]
    assert api.call("post", "/sources/tpe-edu/state", json={"state": "archived"}
                    ).status_code == 200
    assert _duplicates(api) == [("ntpc-edu", "N-1", "tpe-edu", "C-1")]
    assert [e["source"] for e in outbox_events(api.runtime, RECORD_ADDED)] == ["tpe-edu"] * 2


def test_a_renamed_course_is_matched_again(api) -> None:
    _open_three(api)
    api.push("tpe-edu", {"courses": [course(title="舊名")], "attendance": [attendee(0)]})
    api.push("ntpc-edu", {"courses": [course("N-1", "舊名")], "attendance": [attendee(0, "N-1")]})
    api.push("kh-edu", {"courses": [course("K-1", "新名")], "attendance": [attendee(0, "K-1")]})
    assert _duplicates(api) == [("ntpc-edu", "N-1", "tpe-edu", "C-1")]
    withdrawn_before = len(outbox_events(api.runtime, RECORD_WITHDRAWN))

    # tpe-edu renames its course into kh-edu's place: its record now comes later and
    # becomes kh-edu's duplicate; ntpc-edu's no longer collides and is promoted.
    renamed = api.push("tpe-edu", {"courses": [course(title="新名")]})
    assert renamed.json["counts"]["courses"]["changed"] == 1
    assert _duplicates(api) == [("tpe-edu", "C-1", "kh-edu", "K-1")]
    [withdrawn] = outbox_events(api.runtime, RECORD_WITHDRAWN)[withdrawn_before:]
    assert withdrawn["record_key"] == f"C-1/{A0}" and withdrawn["version"] == 3
    promoted = outbox_events(api.runtime, RECORD_ADDED)[-1]
    assert (promoted["source"], promoted["record_key"]) == ("ntpc-edu", f"N-1/{A0}")
    assert [_live(api, code) for code in ("tpe-edu", "ntpc-edu", "kh-edu")] == [0, 1, 1]
    # Sent again, tpe-edu's record stays a duplicate (unchanged, nothing published).
    events = len(outbox_events(api.runtime))
    again = api.push("tpe-edu", {"attendance": [attendee(0)]})
    assert again.json["counts"]["attendance"]["unchanged"] == 1
    assert len(outbox_events(api.runtime)) == events

    # Renamed back: its place is ntpc-edu's now, which is kept there: still a duplicate,
    # linked to the record its place matches.
    api.push("tpe-edu", {"courses": [course(title="舊名")]})
    assert _duplicates(api) == [("tpe-edu", "C-1", "ntpc-edu", "N-1")]
    # kh-edu moves its course away: nothing collides with it any more; a change that
    # keeps the place (hours) matches nothing again.
    api.push("kh-edu", {"courses": [course("K-1", "新名", start="2026-03-09")]})
    api.push("ntpc-edu", {"courses": [{**course("N-1", "舊名"), "hours": 4}]})
    assert _duplicates(api) == [("tpe-edu", "C-1", "ntpc-edu", "N-1")]
    assert [_live(api, code) for code in ("tpe-edu", "ntpc-edu", "kh-edu")] == [0, 1, 1]


def test_a_duplicate_whose_own_course_moves_away_is_promoted(api) -> None:
    _open_three(api)
    api.push("tpe-edu", {"courses": [course()], "attendance": [attendee(0)]})
    api.push("ntpc-edu", {"courses": [course("N-1")], "attendance": [attendee(0, "N-1")]})
    api.push("ntpc-edu", {"courses": [course("N-1", organiser="353301")]})  # its own course
    assert _duplicates(api) == []
    promoted = outbox_events(api.runtime, RECORD_ADDED)[-1]
    assert (promoted["source"], promoted["organiser"]) == ("ntpc-edu", "353301")
    assert [_live(api, code) for code in ("tpe-edu", "ntpc-edu")] == [1, 1]


def test_the_heir_s_own_source_is_not_its_duplicate(api) -> None:
    _open_three(api)
    api.push("tpe-edu", {"courses": [course()], "attendance": [attendee(0)]})
    # ntpc-edu reports the same course twice under two keys; kh-edu once, later.
    api.push("ntpc-edu", {"courses": [course("N-1"), course("N-2")],
                          "attendance": [attendee(0, "N-1"), attendee(0, "N-2")]})
    api.push("kh-edu", {"courses": [course("K-1")], "attendance": [attendee(0, "K-1")]})
    withdraw = {"source_course_key": "C-1", "teacher_id": attendee(0)["teacher_id"],
                "reason": "誤報"}
    api.push("tpe-edu", {"withdrawals": [withdraw]})
    # Both of ntpc-edu's come in (the match is across sources: had tpe-edu's record not
    # been there, both would have been kept); kh-edu's follows the first.
    assert _duplicates(api) == [("kh-edu", "K-1", "ntpc-edu", "N-1")]
    assert _live(api, "ntpc-edu") == 2
    assert [(e["source"], e["record_key"]) for e in outbox_events(api.runtime, RECORD_ADDED)
            if e["source"] != "tpe-edu"] == [("ntpc-edu", f"N-1/{A0}"), ("ntpc-edu", f"N-2/{A0}")]
