"""R-ACC-1: a national ID is stored only as a keyed hash and a ciphertext; no answer, row,
event or log line carries it; the audited export, for operators only, is the one way out."""
from __future__ import annotations

import io
import logging
import sqlite3
import uuid
from pathlib import Path

from accounts_helpers import csv_file, outbox_events, schools, teacher_id
from sqlalchemy import select

from services.accounts.adapters.orm import accounts as accounts_table
from services.accounts.adapters.orm import national_id_exports

IDS = [teacher_id(n) for n in range(1, 6)]


def everything_stored(api) -> str:
    """Every row of every table, as text, and the database files' raw bytes."""
    url = api.runtime.database.engine.url
    api.runtime.database.dispose()
    files = [Path(url.database + suffix) for suffix in ("", "-wal", "-journal")]
    raw = b"".join(f.read_bytes() for f in files if f.exists())
    dump = "\n".join(sqlite3.connect(url.database).iterdump())
    return dump + raw.decode("latin-1")


def create_teachers(api) -> list[str]:
    schools(api.runtime)
    first = api.post("/teachers", json={"national_id": IDS[0], "name": "王小明",
                                        "school_code": "353301", "email": "wang@school.example"})
    assert first.status_code == 201, first.json
    data = csv_file([[number, f"教師{i}", "353301", ""] for i, number in enumerate(IDS[1:], 2)])
    report = api.post("/teachers/imports", data={"file": (io.BytesIO(data), "t.csv")},
                      content_type="multipart/form-data")
    return [first.json["account_id"]] + [row["account_id"] for row in report.json["rows"]]


def test_no_answer_row_event_or_log_line_carries_a_national_id(api, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    answers = []
    account_ids = create_teachers(api)
    for account_id in account_ids:
        answers.append(api.get(f"/teachers/{account_id}").get_data(as_text=True))
        answers.append(api.patch(f"/teachers/{account_id}", json={"display_name": "改名"})
                       .get_data(as_text=True))
    answers.append(api.post("/teachers/lookups", role="business", unit="353301",
                            json={"national_ids": IDS + ["A123456788"]}).get_data(as_text=True))
    duplicate = api.post("/teachers", json={"national_id": IDS[0], "name": "王小明",
                                            "school_code": "353301"})
    assert duplicate.status_code == 409
    answers.append(duplicate.get_data(as_text=True))
    invalid = api.post("/teachers", json={"national_id": "A123456788", "name": "王",
                                          "school_code": "353301"})
    assert invalid.json["type"] == "urn:inservice:problem:invalid-national-id"
    answers.append(invalid.get_data(as_text=True))
    bodies = [str(event) for event in outbox_events(api.runtime)]
    with api.runtime.database.engine.connect() as connection:
        hashes = [row[0].hex() for row in connection.execute(
            select(accounts_table.c.national_id_hash).where(
                accounts_table.c.national_id_hash.is_not(None)))]
    stored = everything_stored(api)
    assert len(hashes) == 5
    for number in IDS + ["A123456788"]:
        assert not any(number in answer for answer in answers)
        assert not any(number in body for body in bodies)
        assert number not in caplog.text
        assert number not in stored
    for lookup_hash in hashes:  # nor its hash: that would make the hash a national ID too
        assert not any(lookup_hash in body for body in bodies + answers)


def test_lookup_goes_through_the_hash_and_answers_in_order(api) -> None:
    account_ids = create_teachers(api)
    answer = api.post("/teachers/lookups", role="business", unit="353301",
                      json={"national_ids": [IDS[2].lower(), "A123456788", teacher_id(99)]})
    assert answer.status_code == 200
    found, invalid, unknown = answer.json
    assert found["found"] and found["account_id"] == account_ids[2]
    assert invalid == {"found": False,
                       "problem": "invalid-national-id: the check digit does not match"}
    assert unknown == {"found": False}
    assert api.post("/teachers/lookups", role="teacher", json={"national_ids": IDS}).status_code == 403


def test_only_operators_export_and_every_export_is_audited(api) -> None:
    account_ids = create_teachers(api)
    request = {"account_ids": account_ids[:2], "reason": "教育部函查教師進修時數，需核對身分"}
    for role in ("admin", "reviewer", "business", "teacher", "viewer"):
        assert api.post("/teachers/national-id-exports", role=role, authority="TPE",
                        json=request).status_code == 403
    assert api.post("/teachers/national-id-exports", role=None, json=request).status_code == 401
    short = api.post("/teachers/national-id-exports", json={**request, "reason": "need it"})
    assert short.status_code == 422
    exported = api.post("/teachers/national-id-exports", subject="operator-chen", json=request)
    assert exported.status_code == 201
    assert exported.headers["Cache-Control"] == "no-store"
    assert [t["national_id"] for t in exported.json["teachers"]] == IDS[:2]
    audit = api.get("/national-id-exports", role="admin").json
    assert [(a["account_id"], a["exported_by"], a["reason"]) for a in audit] == [
        (account_ids[1], "operator-chen", request["reason"]),
        (account_ids[0], "operator-chen", request["reason"])]
    assert {a["export_id"] for a in audit} == {exported.json["export_id"]}
    assert audit[0]["exported_at"] == exported.json["exported_at"]
    unknown = api.post("/teachers/national-id-exports",
                       json={**request, "account_ids": [account_ids[0], "00000000-0000-4000-8000-000000000000"]})
    assert unknown.status_code == 404
    with api.runtime.database.engine.connect() as connection:
        assert len(connection.execute(select(national_id_exports)).all()) == 2  # nothing more


def test_a_ciphertext_is_bound_to_its_row(api) -> None:
    first, second = create_teachers(api)[:2]
    with api.runtime.database.engine.begin() as connection:
        stolen = connection.execute(select(accounts_table.c.national_id_ciphertext).where(
            accounts_table.c.account_id == uuid.UUID(first))).scalar_one()
        connection.execute(accounts_table.update().where(
            accounts_table.c.account_id == uuid.UUID(second)).values(national_id_ciphertext=stolen))
    answer = api.post("/teachers/national-id-exports",
                      json={"account_ids": [second], "reason": "檢查密文是否與帳號綁定"})
    assert answer.status_code == 500  # refuses to decrypt; never hands out the other's ID
    assert answer.json["type"] == "urn:inservice:problem:national-id-unreadable"
    assert IDS[0] not in answer.get_data(as_text=True)
