"""Managing teachers beyond the import itself. R-ACC-3: every teacher file and batch a
county sends is kept in the history with its report (refused ones too, reports for a
retention period); a reviewer sees its own authority's imports only. R-ACC-1: a school's
current teachers are listed for that school and its authority, no one else; a teacher is
disabled and enabled by the school's authority."""
from __future__ import annotations

import hashlib
import io
import json
import uuid
from datetime import UTC

import pytest
from accounts_helpers import OPERATOR, csv_file, refusal, reviewer, schools, teacher_id, vault, work

from servicekit.errors import ApplicationError
from services.accounts.handlers import import_history
from services.accounts.handlers.teacher_import import BATCH, import_file, import_rows


@pytest.fixture
def runtime(accounts):
    schools(accounts)
    return accounts


def rows(*numbers: int, school: str = "353301") -> list[list[str]]:
    return [[teacher_id(n), f"教師{n}", school, ""] for n in numbers]


def test_an_applied_file_is_kept_with_its_counts_hash_and_report(runtime) -> None:
    data = csv_file(rows(1, 2) + [["A123", "壞", "353301", ""]])
    report = import_file(work(runtime), runtime.clock, vault(runtime), reviewer("TPE"), "名冊.csv", data)
    [listed] = import_history.list_imports(work(runtime), reviewer("TPE"))
    assert listed["import_id"] == str(report.import_id)
    assert listed["source"] == "file" and listed["filename"] == "名冊.csv"
    assert listed["content_sha256"] == hashlib.sha256(data).hexdigest()
    assert (listed["imported_by"], listed["authority_code"]) == ("reviewer-tpe", "TPE")
    assert (listed["outcome"], listed["problem"]) == ("applied", None)
    assert listed["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    stored = import_history.import_report(work(runtime), reviewer("TPE"), report.import_id)
    document = json.loads(stored)
    assert document["counts"] == listed["counts"]
    assert [r["status"] for r in document["rows"]] == ["created", "created", "rejected"]
    assert document["rows"][2]["reason"] == "invalid-national-id"
    # Never the national ID in the history, not even of a rejected row.
    assert teacher_id(1).encode() not in stored and b"A123" not in stored


def test_a_refused_file_is_kept_as_refused_and_changes_nothing_else(runtime) -> None:
    with pytest.raises(ApplicationError) as refused:
        import_file(work(runtime), runtime.clock, vault(runtime),
                    OPERATOR, "t.csv", csv_file([], ["national_id", "name"]))
    assert refused.value.slug == "wrong-columns"
    [listed] = import_history.list_imports(work(runtime), OPERATOR)
    assert (listed["outcome"], listed["problem"]) == ("refused", "wrong-columns")
    assert listed["counts"] == {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    document = import_history.import_report(work(runtime), OPERATOR, uuid.UUID(listed["import_id"]))
    assert document.endswith(b'"rows":[]}')


def test_batches_are_kept_but_one_teacher_made_by_hand_is_not(runtime) -> None:
    import_rows(work(runtime), runtime.clock, vault(runtime),
                OPERATOR, [(1, {"national_id": teacher_id(1), "name": "甲",
                                          "school_code": "353301"})], source=BATCH)
    import_rows(work(runtime), runtime.clock, vault(runtime),
                OPERATOR, [(1, {"national_id": teacher_id(2), "name": "乙",
                                          "school_code": "353301"})], only_new=True)
    [listed] = import_history.list_imports(work(runtime), OPERATOR)
    assert (listed["source"], listed["filename"], listed["content_sha256"]) == ("batch", None, None)
    assert listed["authority_code"] is None  # the network's own staff


def test_a_reviewer_sees_only_its_authoritys_imports(runtime) -> None:
    tpe = import_file(work(runtime), runtime.clock, vault(runtime), reviewer("TPE"), "t.csv", csv_file(rows(1)))
    txg = import_file(work(runtime), runtime.clock, vault(runtime),
                      reviewer("TXG"), "t.csv", csv_file(rows(2, school="193601")))
    assert [i["import_id"] for i in import_history.list_imports(work(runtime), reviewer("TPE"))] == [
        str(tpe.import_id)]
    assert len(import_history.list_imports(work(runtime), OPERATOR)) == 2
    with pytest.raises(ApplicationError) as hidden:
        import_history.import_report(work(runtime), reviewer("TPE"), txg.import_id)
    assert refusal(hidden.value).status == 404


def test_the_history_and_a_schools_teachers_over_http(api) -> None:
    schools(api.runtime)
    sent = api.post("/teachers/imports", role="reviewer", authority="TPE",
                    data={"file": (io.BytesIO(csv_file(rows(3, 1, 2) + rows(4, school="413601"))),
                                   "t.csv")}, content_type="multipart/form-data")
    assert sent.status_code == 200 and sent.json["import_id"]
    listed = api.get("/teacher-imports", role="reviewer", authority="TPE")
    assert [i["import_id"] for i in listed.json] == [sent.json["import_id"]]
    one = api.get(f"/teacher-imports/{sent.json['import_id']}", role="operator")
    assert one.status_code == 200 and one.json["rows"] == sent.json["rows"]
    assert api.get(f"/teacher-imports/{sent.json['import_id']}", role="reviewer",
                   authority="TXG").status_code == 404
    assert api.get("/teacher-imports/not-a-uuid", role="operator").status_code == 404
    assert api.get("/teacher-imports", role="business", unit="353301").status_code == 403

    school = api.get("/units/353301/teachers", role="business", unit="353301")
    assert school.status_code == 200
    assert [t["login"] for t in school.json] == ["teacher00001", "teacher00002", "teacher00003"]
    assert {t["unit_code"] for t in school.json} == {"353301"}
    assert "national_id" not in school.json[0] and "national_id_hash" not in school.json[0]
    page = api.get("/units/353301/teachers?limit=2&offset=2", role="reviewer", authority="TPE")
    assert [t["login"] for t in page.json] == ["teacher00003"]
    assert api.get("/units/353301/teachers", role="business", unit="413601").status_code == 404
    assert api.get("/units/353301/teachers", role="reviewer", authority="TXG").status_code == 404
    assert api.get("/units/999999/teachers", role="operator").status_code == 404
    assert api.get("/units/353301/teachers", role="teacher").status_code == 403
    bad = api.get("/units/353301/teachers?limit=5000", role="operator")
    assert bad.status_code == 422


def tidy_reports(runtime):
    """The daily command's work: the retention of the settings, the runtime's clock."""
    return import_history.tidy_reports(work(runtime), runtime.clock,
                                       import_history.retention_days(runtime.settings))


def test_reports_past_their_retention_lose_their_rows_and_keep_their_summary(runtime) -> None:
    """R-ACC-3: a daily county file of 100,000 rows is a megabyte of report a day; reports
    are kept IMPORT_REPORT_RETENTION_DAYS (400), who sent what and how it went for ever."""
    from datetime import datetime

    from servicekit.clock import FixedClock
    runtime.clock = clock = FixedClock(datetime.now(UTC))
    old = import_file(work(runtime), clock, vault(runtime), OPERATOR, "old.csv", csv_file(rows(1, 2)))
    clock.advance(days=300)
    recent = import_file(work(runtime), clock, vault(runtime), OPERATOR, "recent.csv", csv_file(rows(3)))
    clock.advance(days=150)
    assert tidy_reports(runtime) == {"days": 400, "reports_removed": 1}
    assert tidy_reports(runtime) == {"days": 400, "reports_removed": 0}
    listed = {i["filename"]: i for i in import_history.list_imports(work(runtime), OPERATOR)}
    assert (listed["old.csv"]["report_kept"], listed["recent.csv"]["report_kept"]) == (False, True)
    assert listed["old.csv"]["counts"]["created"] == 2
    gone = json.loads(import_history.import_report(work(runtime), OPERATOR, old.import_id))
    assert gone["rows"] == [] and gone["report_kept"] is False
    kept = json.loads(import_history.import_report(work(runtime), OPERATOR, recent.import_id))
    assert len(kept["rows"]) == 1


def test_the_retention_is_a_setting_and_the_command_takes_days(tmp_path) -> None:
    import subprocess
    import sys
    from pathlib import Path

    from accounts_helpers import make_runtime

    from servicekit.settings import InvalidSetting
    runtime = make_runtime({"DATA_DIR": str(tmp_path), "IMPORT_REPORT_RETENTION_DAYS": "30"})
    assert tidy_reports(runtime) == {"days": 30, "reports_removed": 0}
    runtime.database.dispose()
    with pytest.raises(InvalidSetting):
        import_history.retention_days(make_runtime({"DATA_DIR": str(tmp_path),
                                                    "IMPORT_REPORT_RETENTION_DAYS": "a year"}).settings)
    root = Path(__file__).resolve().parents[2]
    env = {"PATH": "/usr/bin:/bin", "ACCOUNTS_DATA_DIR": str(tmp_path), "ACCOUNTS_LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-m", "services.accounts", "tidy-import-reports",
                           "--days", "7"], cwd=root, env=env, capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"days": 7, "reports_removed": 0}
    refused = subprocess.run([sys.executable, "-m", "services.accounts", "tidy-import-reports",
                              "--days", "-1"], cwd=root, env=env, capture_output=True, text=True,
                             check=False, timeout=60)
    assert refused.returncode == 2 and "-1 is not a positive number" in refused.stderr


def test_a_teacher_is_disabled_and_enabled_by_the_schools_authority_only(api) -> None:
    """R-ACC-1: a teacher who left, or whose account was taken over, is disabled by the
    reviewers of the school's authority (or the network) and told to the other services;
    an import of the same teacher afterwards changes the data, never the status."""
    from accounts_helpers import outbox_events
    schools(api.runtime)
    [row] = api.post("/teachers/batches", json={"teachers": [
        {"national_id": teacher_id(1), "name": "王老師", "school_code": "353301"}]}).json["rows"]
    teacher = row["account_id"]
    for role, scope in (("reviewer", {"authority": "TXG"}), ("business", {"unit": "353301"}),
                        ("teacher", {"subject": teacher})):
        assert api.post(f"/teachers/{teacher}/disabling", role=role, **scope).status_code in (403, 404)
    disabled = api.post(f"/teachers/{teacher}/disabling", role="reviewer", authority="TPE")
    assert disabled.status_code == 200 and disabled.json["status"] == "disabled"
    again = api.post(f"/teachers/{teacher}/disabling", role="operator")
    assert again.status_code == 409 and again.json["type"].endswith("invalid-transition")
    [event] = [e for e in outbox_events(api.runtime, "accounts.account.updated.v1")
               if e["data"]["account_id"] == teacher]
    assert (event["data"]["status"], event["data"]["version"]) == ("disabled", 2)
    renamed = api.post("/teachers/batches", json={"teachers": [
        {"national_id": teacher_id(1), "name": "王老師改名", "school_code": "353301"}]})
    assert renamed.json["rows"][0]["status"] == "updated"
    assert api.get(f"/teachers/{teacher}", role="operator").json["status"] == "disabled"
    enabled = api.post(f"/teachers/{teacher}/enabling", role="operator")
    assert enabled.status_code == 200 and enabled.json["status"] == "enabled"
    assert api.post(f"/teachers/{teacher}/enabling", role="operator").status_code == 409


def test_seeing_a_teacher_is_not_managing_one(runtime) -> None:
    """A token that sees the teacher (the school's business account) and also reviews for
    another authority must not change the teacher; a reviewer token without its authority
    sees no imports, not everyone's."""
    from servicekit.tokens import Principal
    from services.accounts.handlers import teachers
    report = import_file(work(runtime), runtime.clock, vault(runtime), OPERATOR, "t.csv", csv_file(rows(1)))
    teacher = uuid.UUID(report.rows[0].account_id)
    mixed = Principal(subject="mixed", roles=frozenset({"business", "reviewer"}), unit="353301",
                      authority="TXG")
    assert teachers.get_teacher(work(runtime), runtime.clock, mixed, teacher)["login"] == "teacher00001"  # sees it
    for change in (lambda: teachers.set_teacher_enabled(work(runtime), runtime.clock, mixed, teacher, enabled=False),
                   lambda: teachers.update_teacher(work(runtime), runtime.clock,
                                                   mixed, teacher, {"display_name": "改"})):
        with pytest.raises(ApplicationError) as refused:
            change()
        assert refusal(refused.value).status == 404
    assert teachers.get_teacher(work(runtime), runtime.clock, OPERATOR, teacher)["status"] == "enabled"
    assert teachers.set_teacher_enabled(work(runtime), runtime.clock, reviewer("TPE"), teacher,
                                        enabled=False)["status"] == "disabled"
    nobody = Principal(subject="r", roles=frozenset({"reviewer"}))
    assert import_history.list_imports(work(runtime), nobody) == []
    with pytest.raises(ApplicationError):
        import_history.import_report(work(runtime), nobody, report.import_id)
