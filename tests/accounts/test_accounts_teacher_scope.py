"""R-ACC-1, R-ACC-3: a known teacher is changed only by those who manage the teacher's
current school — by hand, by a batch or a file alike — so a county cannot take over
another county's teacher by naming them in an import (rename, new e-mail, a move into its
own school, then a password reset to the new address). A move between authorities is a
transfer of its own, made by the teacher's authority today or the network's staff, with a
reason, and every such move is recorded."""
from __future__ import annotations

import io
import json
import uuid
from datetime import date

import pytest
from accounts_helpers import (
    OPERATOR,
    csv_file,
    outbox_events,
    reviewer,
    schools,
    teacher_id,
    vault,
    work,
)
from sqlalchemy import select

from services.accounts.adapters.orm import accounts as accounts_table
from services.accounts.adapters.orm import teacher_past_schools, teacher_transfers
from services.accounts.handlers import import_history
from services.accounts.handlers.teacher_import import BATCH, import_file, import_rows

TAKEN = "urn:inservice:problem:"


def teacher(number: int, school: str, **fields) -> dict:
    return {"national_id": teacher_id(number), "name": f"教師{number}", "school_code": school,
            "email": f"t{number}@school.example", "since": "2015-08-01", **fields}


def stored_teacher(runtime, account_id: str) -> tuple:
    with runtime.database.engine.connect() as connection:
        return tuple(connection.execute(select(accounts_table).where(
            accounts_table.c.account_id == uuid.UUID(account_id))).one())


def events_of(runtime, account_id: str) -> list[dict]:
    return [e for e in outbox_events(runtime) if e["data"].get("account_id") == account_id]


def transfer_rows(runtime) -> list[dict]:
    with runtime.database.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(
            select(teacher_transfers).order_by(teacher_transfers.c.transferred_at))]


@pytest.fixture
def runtime(accounts):
    schools(accounts)
    return accounts


@pytest.fixture
def taichung_teacher(runtime) -> str:
    """A teacher of Taichung's school 193601, as Taichung's own file made them."""
    [row] = import_rows(work(runtime), runtime.clock, vault(runtime),
                        reviewer("TXG"), [(1, teacher(1, "193601"))], source=BATCH).rows
    assert row.status == "created"
    return row.account_id


# -- imports -----------------------------------------------------------------------------

def test_a_reviewer_cannot_take_over_another_authoritys_teacher_by_batch(runtime, taichung_teacher) -> None:
    """The attack as reported: Taipei's reviewer sends Taichung's teacher with a Taipei
    school and the attacker's address. Refused with nothing written of that row; the
    other rows still go in."""
    import_rows(work(runtime), runtime.clock, vault(runtime), reviewer("TPE"), [(1, teacher(2, "353301"))])
    before, events = stored_teacher(runtime, taichung_teacher), events_of(runtime, taichung_teacher)
    report = import_rows(work(runtime), runtime.clock, vault(runtime), reviewer("TPE"), list(enumerate([
        teacher(1, "353301", name="冒名者", email="attacker@evil.example",
                since="2026-08-01"),  # the takeover
        teacher(3, "413601"),  # a new Taipei teacher
        teacher(2, "353301", name="教師二"),  # Taipei's own teacher, renamed
    ], start=1)), source=BATCH)
    assert [(r.row, r.status, r.reason, r.login) for r in report.rows] == [
        (1, "rejected", "teacher-outside-authority", None),
        (2, "created", None, "teacher00003"),
        (3, "updated", None, "teacher00002"),
    ]
    refused = report.rows[0]
    # Nothing said of the teacher: not the account, not the login.
    assert (refused.account_id, refused.login) == (None, None)
    same_data = import_rows(work(runtime), runtime.clock, vault(runtime), reviewer("TPE"), [(1, teacher(1, "353301"))])
    assert [r.reason for r in same_data.rows] == ["teacher-outside-authority"]
    assert refused.detail == ("the teacher serves at a school outside the authority you act "
                              "for; a move between authorities is a transfer by the teacher's "
                              "authority")
    assert stored_teacher(runtime, taichung_teacher) == before
    assert events_of(runtime, taichung_teacher) == events
    with runtime.database.engine.connect() as connection:
        assert connection.execute(select(teacher_past_schools)).all() == []
    # The report kept in the history names nobody either.
    kept = import_history.import_report(work(runtime), reviewer("TPE"), report.import_id)
    assert taichung_teacher.encode() not in kept and b"teacher00001" not in kept


def test_the_same_attack_by_file_over_http_is_refused_row_by_row(api) -> None:
    schools(api.runtime)
    made = api.post("/teachers/batches", role="reviewer", authority="TXG",
                    json={"teachers": [teacher(1, "193601")]})
    victim = made.json["rows"][0]["account_id"]
    before = stored_teacher(api.runtime, victim)
    data = csv_file([[teacher_id(1), "冒名者", "353301", "attacker@evil.example", "2026-08-01"],
                     [teacher_id(2), "教師2", "353301", "", ""]],
                    ["national_id", "name", "school_code", "email", "since"])
    sent = api.post("/teachers/imports", role="reviewer", authority="TPE",
                    data={"file": (io.BytesIO(data), "名冊.csv")},
                    content_type="multipart/form-data")
    assert sent.status_code == 200
    assert sent.json["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert sent.json["rows"][0] == {
        "row": 2, "status": "rejected", "account_id": None, "login": None,
        "reason": "teacher-outside-authority",
        "detail": "the teacher serves at a school outside the authority you act for; a move "
                  "between authorities is a transfer by the teacher's authority"}
    assert stored_teacher(api.runtime, victim) == before
    assert api.get(f"/teachers/{victim}", role="operator").json["email"] == "t1@school.example"


def test_the_teachers_own_authority_and_the_network_still_change_it_by_import(runtime, taichung_teacher) -> None:
    own = import_rows(work(runtime), runtime.clock, vault(runtime),
                      reviewer("TXG"), [(1, teacher(1, "193601", name="教師一"))])
    assert [(r.status, r.account_id) for r in own.rows] == [("updated", taichung_teacher)]
    moved = import_rows(work(runtime), runtime.clock, vault(runtime), OPERATOR, [(1, teacher(1, "353301", name="教師一",
                                                        since="2099-08-01"))], source=BATCH)
    assert [r.status for r in moved.rows] == ["updated"]
    # The network's move between authorities is recorded as a transfer, with its import.
    [recorded] = transfer_rows(runtime)
    assert (recorded["account_id"], recorded["from_unit_code"], recorded["from_authority_code"],
            recorded["to_unit_code"], recorded["to_authority_code"], recorded["since"],
            recorded["via"], recorded["import_id"], recorded["transferred_by"],
            recorded["reason"]) == (
        uuid.UUID(taichung_teacher), "193601", "TXG", "353301", "TPE", date(2099, 8, 1),
        "import", moved.import_id, "operator-1", None)
    # Now Taipei's teacher: Taichung's file can no longer change it, Taipei's can.
    assert [r.reason for r in import_rows(work(runtime), runtime.clock, vault(runtime), reviewer("TXG"), [
        (1, teacher(1, "193601"))]).rows] == ["teacher-outside-authority"]
    assert [r.status for r in import_rows(work(runtime), runtime.clock, vault(runtime), reviewer("TPE"), [
        (1, teacher(1, "353301", name="教師壹"))]).rows] == ["updated"]


def test_a_move_within_an_authority_by_import_is_no_transfer(runtime) -> None:
    import_rows(work(runtime), runtime.clock, vault(runtime), reviewer("TPE"), [(1, teacher(1, "353301"))])
    report = import_rows(work(runtime), runtime.clock, vault(runtime),
                         reviewer("TPE"), [(1, teacher(1, "413601", since="2099-08-01"))])
    assert [r.status for r in report.rows] == ["updated"]
    assert transfer_rows(runtime) == []


def test_creating_a_known_teacher_names_the_account_only_inside_the_callers_scope(api) -> None:
    """POST /teachers answered 409 with the existing account_id for an ID anywhere."""
    schools(api.runtime)
    victim = api.post("/teachers", role="reviewer", authority="TXG",
                      json=teacher(1, "193601")).json["account_id"]
    outside = api.post("/teachers", role="reviewer", authority="TPE", json=teacher(1, "353301"))
    assert outside.status_code == 409
    assert outside.json == {"type": "urn:inservice:problem:teacher-exists",
                            "title": "The teacher exists", "status": 409,
                            "detail": "a teacher with this national ID exists",
                            "instance": "/teachers"}
    for role, authority in (("reviewer", "TXG"), ("operator", None)):
        inside = api.post("/teachers", role=role, authority=authority, json=teacher(1, "193601"))
        assert (inside.status_code, inside.json["account_id"]) == (409, victim)


# -- transfers ---------------------------------------------------------------------------

TRANSFER = {"school_code": "353301", "since": "2099-08-01",
            "reason": "調任臺北市立建國高級中學，依臺中市政府教育局函"}


def test_a_transfer_is_made_by_the_teachers_authority_or_the_network_only(api) -> None:
    schools(api.runtime)
    victim = api.post("/teachers", role="reviewer", authority="TXG",
                      json=teacher(1, "193601")).json["account_id"]
    before = stored_teacher(api.runtime, victim)
    path = f"/teachers/{victim}/transfers"
    # The receiving authority alone cannot take the teacher: not found, as for any
    # teacher outside its scope.
    taken = api.post(path, role="reviewer", authority="TPE", json=TRANSFER)
    assert (taken.status_code, taken.json["type"]) == (404, TAKEN + "not-found")
    for role, scope in (("business", {"unit": "193601"}), ("teacher", {"subject": victim}),
                        ("admin", {}), ("viewer", {})):
        assert api.post(path, role=role, json=TRANSFER, **scope).status_code == 403
    assert api.post(path, role=None, json=TRANSFER).status_code == 401
    assert stored_teacher(api.runtime, victim) == before
    assert transfer_rows(api.runtime) == []

    made = api.post(path, role="reviewer", authority="TXG", subject="reviewer-txg-lin",
                    json=TRANSFER)
    assert made.status_code == 201, made.json
    assert {k: v for k, v in made.json.items() if k not in ("transfer_id", "transferred_at")} == {
        "account_id": victim, "from_unit_code": "193601", "from_authority_code": "TXG",
        "to_unit_code": "353301", "to_authority_code": "TPE", "since": "2099-08-01",
        "via": "transfer", "import_id": None, "reason": TRANSFER["reason"],
        "transferred_by": "reviewer-txg-lin"}
    [recorded] = transfer_rows(api.runtime)
    assert str(recorded["transfer_id"]) == made.json["transfer_id"]
    # Told as a change by hand is: the account updated, then the move.
    updated, moved = events_of(api.runtime, victim)[-2:]
    assert (updated["type"], updated["data"]["unit_code"], updated["data"]["county_code"],
            updated["data"]["display_name"], updated["data"]["email"],
            updated["data"]["version"]) == (
        "accounts.account.updated.v1", "353301", "TPE", "教師1", "t1@school.example", 2)
    assert (moved["type"], moved["data"]) == ("accounts.teacher.school_changed.v1", {
        "account_id": victim, "unit_code": "353301", "since": "2099-08-01", "version": 2})
    now = api.get(f"/teachers/{victim}", role="reviewer", authority="TPE")
    assert now.status_code == 200 and now.json["unit_code"] == "353301"
    assert now.json["past_schools"] == [{"unit_code": "193601", "since": "2015-08-01",
                                         "until": "2099-08-01"}]
    # The teacher's authority is Taipei's now: Taichung's reviewer no longer sees it.
    assert api.get(f"/teachers/{victim}", role="reviewer", authority="TXG").status_code == 404
    listed = api.get(path, role="reviewer", authority="TPE")
    assert [t["transfer_id"] for t in listed.json] == [made.json["transfer_id"]]
    assert api.get(path, role="teacher", subject=victim).status_code == 200
    assert api.get(path, role="reviewer", authority="TXG").status_code == 404

    back = api.post(path, role="operator", subject="operator-chen",
                    json={**TRANSFER, "school_code": "193601", "since": "2100-08-01"})
    assert back.status_code == 201
    assert (back.json["from_authority_code"], back.json["to_authority_code"],
            back.json["transferred_by"]) == ("TPE", "TXG", "operator-chen")
    assert len(api.get(path, role="operator").json) == 2


@pytest.mark.parametrize("change, status, slug", [
    ({"reason": "要調走"}, 422, "validation-failed"),  # the schema says so already
    ({"reason": "          換 學 校          "}, 422, "reason-required"),  # folded: 5 characters
    ({"school_code": "193601"}, 422, "not-a-transfer"),  # the school it is at
    ({"school_code": "999999"}, 422, "unknown-unit"),
    ({"school_code": "TPE-TSC"}, 422, "not-a-school"),
    ({"since": "2000-01-01"}, 422, "move-before-current-assignment"),
])
def test_a_transfer_that_cannot_be_is_refused_and_changes_nothing(api, change, status, slug) -> None:
    schools(api.runtime)
    from services.accounts.handlers.units import register_unit
    register_unit(work(api.runtime), api.runtime.clock, "190002", "臺中市立另一所高級中學", "senior_high_school", "TXG")
    victim = api.post("/teachers", role="operator", json=teacher(1, "193601")).json["account_id"]
    before = stored_teacher(api.runtime, victim)
    refused = api.post(f"/teachers/{victim}/transfers", role="operator", json={**TRANSFER, **change})
    assert (refused.status_code, refused.json["type"]) == (status, TAKEN + slug), refused.json
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert stored_teacher(api.runtime, victim) == before
    assert transfer_rows(api.runtime) == []
    within = api.post(f"/teachers/{victim}/transfers", role="operator",
                      json={**TRANSFER, "school_code": "190002"})
    assert (within.status_code, within.json["type"]) == (422, TAKEN + "not-a-transfer")
    assert api.post("/teachers/not-a-uuid/transfers", json=TRANSFER).status_code == 404


def test_the_networks_change_by_hand_between_authorities_is_recorded(api) -> None:
    """PATCH keeps its rule (a reviewer moves only within its authority); the network's
    staff may move anyone, and a move between authorities is recorded as a transfer."""
    schools(api.runtime)
    victim = api.post("/teachers", role="reviewer", authority="TXG",
                      json=teacher(1, "193601")).json["account_id"]
    refused = api.patch(f"/teachers/{victim}", role="reviewer", authority="TPE",
                        json={"school_code": "353301", "email": "attacker@evil.example"})
    assert refused.status_code == 404
    away = api.patch(f"/teachers/{victim}", role="reviewer", authority="TXG",
                     json={"school_code": "353301"})
    assert (away.status_code, away.json["type"]) == (403, TAKEN + "unit-outside-authority")
    assert transfer_rows(api.runtime) == []
    moved = api.patch(f"/teachers/{victim}", role="operator", subject="operator-chen",
                      json={"school_code": "353301", "since": "2099-08-01"})
    assert moved.status_code == 200
    [recorded] = transfer_rows(api.runtime)
    assert (recorded["via"], recorded["from_authority_code"], recorded["to_authority_code"],
            recorded["transferred_by"], recorded["reason"]) == (
        "change", "TXG", "TPE", "operator-chen", None)
    renamed = api.patch(f"/teachers/{victim}", role="operator", json={"display_name": "改名"})
    assert renamed.status_code == 200 and len(transfer_rows(api.runtime)) == 1


def test_a_transfer_lands_in_the_history_of_teacher_transfers_as_json(api) -> None:
    schools(api.runtime)
    victim = api.post("/teachers", role="operator", json=teacher(1, "193601")).json["account_id"]
    api.post(f"/teachers/{victim}/transfers", role="operator", json=TRANSFER)
    [listed] = api.get(f"/teachers/{victim}/transfers", role="business", unit="353301").json
    assert listed["to_unit_code"] == "353301"
    assert json.dumps(listed)  # dates and ids serialised
    assert teacher_id(1) not in json.dumps(listed)


@pytest.mark.postgres
def test_the_bulk_path_on_postgresql_refuses_another_authoritys_teacher_too(pg_accounts) -> None:
    """COPY and the set-based update: the check is made before either, on the same rows."""
    schools(pg_accounts)
    header = ["national_id", "name", "school_code", "email", "since"]
    made = import_file(work(pg_accounts), pg_accounts.clock, vault(pg_accounts), reviewer("TXG"), "t.csv", csv_file(
        [[teacher_id(n), f"教師{n}", "193601", "", "2015-08-01"] for n in range(1, 4)], header))
    victims = [row.account_id for row in made.rows]
    before = [stored_teacher(pg_accounts, v) for v in victims]
    report = import_file(work(pg_accounts), pg_accounts.clock, vault(pg_accounts), reviewer("TPE"), "t.csv", csv_file(
        [[teacher_id(n), "冒名者", "353301", "attacker@evil.example", "2026-08-01"]
         for n in range(1, 4)] + [[teacher_id(4), "教師4", "353301", "", ""]], header))
    assert [(r.status, r.reason, r.account_id) for r in report.rows] == [
        ("rejected", "teacher-outside-authority", None)] * 3 + [
        ("created", None, report.rows[3].account_id)]
    assert [stored_teacher(pg_accounts, v) for v in victims] == before
    renamed = import_file(work(pg_accounts), pg_accounts.clock, vault(pg_accounts), reviewer("TXG"), "t.csv", csv_file(
        [[teacher_id(1), "教師一", "193601", "", "2015-08-01"]], header))
    assert [r.status for r in renamed.rows] == ["updated"]
