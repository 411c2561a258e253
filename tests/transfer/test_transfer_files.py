"""Monthly files (R-TRF-3, R-TRF-11): a workbook made by openpyxl and read by calamine,
mapped onto the format per source; a file tested without storing anything; an upload
processed in the background with progress; the report holding the original rows plus an
error column, as .xlsx and .csv; files and reports sealed at rest and purged later."""
from __future__ import annotations

import gc
import io
import time
from datetime import date, timedelta

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select
from transfer_helpers import TEACHERS, open_source, outbox_events, seen_at_each_call
from werkzeug.test import EnvironBuilder

from contracts.events.transfer import RECORD_ADDED
from servicekit.errors import Invalid
from services.transfer.adapters.tables import uploads

IDS = list(TEACHERS)
COURSE_HEADER = ["課程代碼", "課程名稱", "主辦單位", "縣市", "開始", "結束", "時數", "班別",
                 "類別", "標籤", "講師"]
ATTENDANCE_HEADER = ["課程代碼", "身分證字號", "姓名", "學校代碼", "時數", "完成日期"]
MAPPING = {
    "courses": {"table": "課程", "columns": dict(zip(
        ("source_course_key", "title", "organiser_unit_code", "county_code", "start_date",
         "end_date", "hours", "class_type", "category", "tags", "lecturers"),
        COURSE_HEADER, strict=True))},
    "attendance": {"table": "研習紀錄", "columns": dict(zip(
        ("source_course_key", "teacher_id", "teacher_name", "school_code", "hours",
         "completed_on"), ATTENDANCE_HEADER, strict=True))},
}


def workbook(attendance_rows, course_rows=None) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    courses = book.create_sheet("課程")
    courses.append(COURSE_HEADER)
    for row in course_rows or [["ILA-1", "數位教學", "023301", "ILA", date(2013, 4, 1),
                                date(2013, 4, 1), 3, "研習", "資訊", "數位;教學", "李老師"]]:
        courses.append(row)
    sheet = book.create_sheet("研習紀錄")
    sheet.append(ATTENDANCE_HEADER)
    for row in attendance_rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def attendee(n, **changes):
    row = {"課程代碼": "ILA-1", "身分證字號": IDS[n], "姓名": f"教師{n}", "學校代碼": "024501",
           "時數": 3, "完成日期": date(2013, 4, 1), **changes}
    return [row[name] for name in ATTENDANCE_HEADER]


def mapped_source(api, state="production"):
    open_source(api, "ila-edu", "023301", state=state)
    for part, mapping in MAPPING.items():
        assert api.call("put", f"/sources/ila-edu/mappings/{part}", json=mapping
                        ).status_code == 200


def send(api, path, data, name="2013-04.xlsx", role="business", unit="023301"):
    # The builder spools a large body to a temporary file: closed here, not left to GC.
    builder = EnvironBuilder(path=path, method="POST", headers=api.headers(role, unit),
                             data={"file": (io.BytesIO(data), name)},
                             content_type="multipart/form-data")
    try:
        return api.client.open(builder)
    finally:
        builder.close()


def finished(api, upload_id):
    for _ in range(200):
        state = api.call("get", f"/sources/ila-edu/files/{upload_id}", role="business",
                         unit="023301").json
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.05)
    raise AssertionError(f"the upload did not finish: {state}")


def test_a_file_tested_gets_its_answer_and_nothing_is_stored(api) -> None:
    mapped_source(api)
    data = workbook([attendee(0), attendee(1, 時數="2.25")])
    answer = send(api, "/sources/ila-edu/file-tests", data)
    assert answer.status_code == 200, answer.json
    assert answer.json["counts"]["courses"]["added"] == 1
    assert answer.json["counts"]["attendance"]["added"] == 1
    assert [(e["part"], e["row"], e["code"]) for e in answer.json["errors"]] == [
        ("attendance", 2, "invalid-hours")]
    source = api.call("get", "/sources/ila-edu").json
    assert source["counts"] == {"courses": 0, "attendance": 0}
    assert outbox_events(api.runtime) == []
    with api.runtime.database.engine.connect() as connection:
        assert connection.execute(select(uploads)).all() == []


def test_an_upload_runs_in_the_background_and_reports_each_row(api) -> None:
    mapped_source(api)
    rows = [attendee(n) for n in range(5)] + [attendee(5, 身分證字號="A123456780"),
                                              attendee(6, 學校代碼="")]
    started = send(api, "/sources/ila-edu/files", workbook(rows))
    assert started.status_code == 202, started.json
    assert started.json["rows_total"] == 8 and started.json["created_by"] == "business-1"
    state = finished(api, started.json["upload_id"])
    assert state["status"] == "done" and state["rows_done"] == 8
    assert state["counts"]["attendance"]["added"] == 5 and state["error_count"] == 2
    assert len(outbox_events(api.runtime, RECORD_ADDED)) == 5

    path = f"/sources/ila-edu/files/{state['upload_id']}"
    xlsx = api.call("get", path + "/report.xlsx", role="business", unit="023301")
    assert xlsx.status_code == 200 and xlsx.headers["Cache-Control"] == "no-store"
    book = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.data))
    assert book.sheet_names == ["課程", "研習紀錄"]
    sheet = book.get_sheet_by_name("研習紀錄").to_python()
    assert sheet[0] == [*ATTENDANCE_HEADER, "錯誤 errors"]
    assert sheet[1][1] == IDS[0] and sheet[1][-1] == ""  # the original row, untouched
    assert "teacher_id: invalid-national-id" in sheet[6][-1]
    assert "school_code: required" in sheet[7][-1] and "必填" in sheet[7][-1]
    csv_report = api.call("get", path + "/report.csv?table=研習紀錄", role="business",
                          unit="023301")
    text = csv_report.data.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join([*ATTENDANCE_HEADER, "錯誤 errors"])
    assert len(text.splitlines()) == 8

    # The same file again: every row unchanged, nothing published again.
    again = finished(api, send(api, "/sources/ila-edu/files", workbook(rows)).json["upload_id"])
    assert again["counts"]["attendance"]["unchanged"] == 5
    assert len(outbox_events(api.runtime, RECORD_ADDED)) == 5


def test_the_file_and_its_report_are_sealed_and_purged_after_the_retention(api) -> None:
    mapped_source(api)
    upload_id = send(api, "/sources/ila-edu/files", workbook([attendee(0)])).json["upload_id"]
    finished(api, upload_id)
    with api.runtime.database.engine.connect() as connection:
        row = connection.execute(select(uploads)).one()
    assert IDS[0] not in row.sealed_file and IDS[0] not in row.sealed_report
    from servicekit.clock import FixedClock
    from services.transfer.commands import _purge
    api.runtime.clock = FixedClock(row.created_at + timedelta(days=89))
    assert _purge(api.runtime, None)["purged"] == 0
    api.runtime.clock = FixedClock(row.created_at + timedelta(days=91))
    assert _purge(api.runtime, None)["purged"] == 1
    gone = api.call("get", f"/sources/ila-edu/files/{upload_id}/report.xlsx")
    assert gone.status_code == 404 and gone.json["type"].endswith("report-unavailable")
    assert api.call("get", f"/sources/ila-edu/files/{upload_id}").json["purged_at"]


def test_bad_files_get_a_clear_answer_and_change_nothing(api) -> None:
    mapped_source(api)
    path = "/sources/ila-edu/files"
    wrong = openpyxl.Workbook()
    wrong.active.title = "研習紀錄"
    wrong.active.append(["課程", "身分證"])
    out = io.BytesIO()
    wrong.save(out)
    mismatch = send(api, path, out.getvalue())
    assert mismatch.status_code == 422 and mismatch.json["type"].endswith("mapping-mismatch")
    assert any("研習紀錄" in p or "課程" in p for p in mismatch.json["problems"])
    not_excel = send(api, path, b"name,id\n", name="2013-04.xlsx")
    assert not_excel.json["type"].endswith("not-this-kind-of-file")
    assert send(api, path, b"x", name="notes.txt").json["type"].endswith("unsupported-file")
    api.runtime.components.file_rules = api.runtime.components.file_rules.__class__(
        1024, 90, date(2012, 12, 31))
    too_big = send(api, path, workbook([attendee(n) for n in range(50)]))
    assert too_big.status_code == 413
    assert api.call("get", "/sources/ila-edu").json["counts"] == {"courses": 0, "attendance": 0}


def test_only_the_owner_unit_and_staff_send_or_read_files(api) -> None:
    mapped_source(api)
    data = workbook([attendee(0)])
    assert send(api, "/sources/ila-edu/files", data, unit="313301").status_code == 404
    assert send(api, "/sources/ila-edu/file-tests", data, unit="313301").status_code == 404
    assert send(api, "/sources/ila-edu/files", data, role="teacher").status_code == 403
    assert send(api, "/sources/ila-edu/files", data, role="reviewer").status_code == 403
    upload_id = send(api, "/sources/ila-edu/files", data).json["upload_id"]
    finished(api, upload_id)
    for path in (f"/sources/ila-edu/files/{upload_id}",
                 f"/sources/ila-edu/files/{upload_id}/report.xlsx", "/sources/ila-edu/files"):
        assert api.call("get", path, role="business", unit="313301").status_code == 404
        assert api.call("get", path, role="operator").status_code == 200
    assert api.call("put", "/sources/ila-edu/mappings/attendance", role="business",
                    unit="023301", json=MAPPING["attendance"]).status_code == 403


def test_a_source_lists_its_latest_uploads_newest_first(api) -> None:
    """The page a unit returns to for last month's file and its report."""
    mapped_source(api)
    first = send(api, "/sources/ila-edu/files", workbook([attendee(0)])).json["upload_id"]
    finished(api, first)
    second = send(api, "/sources/ila-edu/files", workbook([attendee(1)]),
                  name="2013-05.xlsx").json["upload_id"]
    finished(api, second)
    listed = api.call("get", "/sources/ila-edu/files", role="business", unit="023301").json
    assert [u["upload_id"] for u in listed][:2] == [second, first]
    assert listed[0]["filename"] == "2013-05.xlsx" and listed[0]["status"] == "done"
    one = api.call("get", "/sources/ila-edu/files?limit=1", role="business", unit="023301")
    assert [u["upload_id"] for u in one.json] == [second]
    bad = api.call("get", "/sources/ila-edu/files?limit=500", role="business", unit="023301")
    assert bad.status_code == 422 and "limit" in bad.json["errors"]
    assert api.call("get", "/sources/nobody/files", role="operator").status_code == 404


# werkzeug's test client spools a body over 500 KB to a temporary file it never closes
# (the request's own stream, not the file the service reads and closes).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_access_file_whose_tables_do_not_match_the_mapping_is_refused(api) -> None:
    from pathlib import Path
    mapped_source(api)
    access = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "access"
    refused = send(api, "/sources/ila-edu/file-tests", (access / "nwind.mdb").read_bytes(),
                   name="2013-04.mdb")
    assert refused.status_code == 422 and refused.json["type"].endswith("mapping-mismatch")
    assert "courses: the file has no table '課程'" in refused.json["problems"]
    # Mapped onto a table the file has, its missing columns are named.
    api.call("put", "/sources/ila-edu/mappings/attendance", json={
        "table": "Shippers", "columns": {"source_course_key": "ShipperID"}})
    api.call("put", "/sources/ila-edu/mappings/courses", json={"table": "Orders"})
    named = send(api, "/sources/ila-edu/file-tests", (access / "nwind.mdb").read_bytes(),
                 name="2013-04.mdb")
    assert any(p.startswith("attendance: table 'Shippers' has no column")
               for p in named.json["problems"])
    del refused, named  # the answers hold their requests' spooled bodies:
    gc.collect()  # they go now, inside this test's filter


def test_an_xml_file_of_the_format_needs_no_mapping(api) -> None:
    open_source(api, "ila-edu", "023301")
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<batch xmlns="urn:inservice:transfer:format:v1">
  <course><source_course_key>ILA-9</source_course_key><title>戶外教育</title>
    <organiser_unit_code>023301</organiser_unit_code><county_code>ILA</county_code>
    <start_date>2013-05-01</start_date><end_date>2013-05-01</end_date><hours>2</hours>
    <class_type>研習</class_type><category>戶外</category><tag>戶外</tag></course>
  <attendance><source_course_key>ILA-9</source_course_key><teacher_id>{IDS[3]}</teacher_id>
    <teacher_name>教師</teacher_name><school_code>024501</school_code><hours>2</hours>
    <completed_on>2013-05-01</completed_on></attendance>
</batch>""".encode()
    state = finished(api, send(api, "/sources/ila-edu/files", xml, name="2013-05.xml"
                               ).json["upload_id"])
    assert state["counts"]["attendance"]["added"] == 1 and state["error_count"] == 0
    [event] = outbox_events(api.runtime, RECORD_ADDED)
    assert event["tags"] == ["戶外"] and event["account_id"] == TEACHERS[IDS[3]]


class _NoFileVault:
    """Seals as the service's vault does, but refuses to open a sealed file: a job that
    reads the sealed copy fails."""

    def __init__(self, vault) -> None:
        self.vault, self.opened = vault, 0

    def seal(self, upload_id, data):
        return self.vault.seal(upload_id, data)

    def open(self, upload_id, sealed):
        self.opened += 1
        raise AssertionError("the sealed file was read again")


def _upload(api, data, read, vault=None):
    from servicekit.tokens import Principal
    from services.transfer.handlers import uploads as handler
    parts, clock = api.runtime.components, api.runtime.clock
    sender = Principal(subject="business-1", roles=frozenset({"business"}), unit="023301")
    return handler.start(parts.unit_of_work(), clock, vault or parts.vault,
                         parts.file_rules, sender, "ila-edu", "2013-04.xlsx", data, read)


def _process(api, upload_id, read, vault=None):
    from services.transfer.handlers import uploads as handler
    parts, clock = api.runtime.components, api.runtime.clock
    handler.process(parts.unit_of_work, clock, parts.directory, vault or parts.vault,
                    parts.file_rules, upload_id, read)
    return api.call("get", f"/sources/ila-edu/files/{upload_id}").json


def test_the_background_job_takes_the_tables_read_at_upload(api) -> None:
    """R-TRF-3: the tables read while the upload waited go to its job in the same
    process; the sealed file is not opened again, and the job takes them once."""
    from services.transfer.handlers.uploads import ReadAtUpload
    mapped_source(api)
    read, vault = ReadAtUpload(), _NoFileVault(api.runtime.components.vault)
    rows = [attendee(n) for n in range(3)] + [attendee(3, 時數="2.25")]
    upload_id = _upload(api, workbook(rows), read, vault)["upload_id"]
    state = _process(api, upload_id, read, vault)
    assert vault.opened == 0
    assert state["status"] == "done" and state["rows_done"] == 5
    assert state["counts"]["attendance"]["added"] == 3 and state["error_count"] == 1
    assert read.take(upload_id) is None  # taken: nothing is held after the job
    report = api.call("get", f"/sources/ila-edu/files/{upload_id}/report.csv?table=研習紀錄",
                      role="business", unit="023301").data.decode("utf-8-sig").splitlines()
    assert len(report) == 5 and "hours: invalid-hours" in report[4]


def test_after_a_restart_the_job_reads_the_sealed_file(api) -> None:
    """The tables live only in the process that read them: a job started anew (a
    restarted service, or one past the tables kept) reads the sealed copy, with the same
    outcome."""
    from services.transfer.handlers.uploads import ReadAtUpload
    mapped_source(api)
    rows = [attendee(n) for n in range(3)] + [attendee(3, 時數="2.25")]
    upload_id = _upload(api, workbook(rows), ReadAtUpload())["upload_id"]
    state = _process(api, upload_id, ReadAtUpload())  # the tables were lost with the process
    assert state["status"] == "done" and state["rows_done"] == 5
    assert state["counts"]["attendance"]["added"] == 3 and state["error_count"] == 1
    refused = _process(api, _upload(api, workbook(rows), ReadAtUpload())["upload_id"],
                       ReadAtUpload(), _NoFileVault(api.runtime.components.vault))
    assert refused["status"] == "failed"  # it did need the sealed file


def test_only_the_latest_uploads_tables_are_held() -> None:
    from services.transfer.handlers.uploads import ReadAtUpload
    read = ReadAtUpload()
    for n in range(ReadAtUpload.KEPT + 1):
        read.keep(f"upload-{n}", [])
    assert read.take("upload-0") is None  # the oldest: its job reads the sealed copy
    assert read.take(f"upload-{ReadAtUpload.KEPT}") == []
    assert read.take(f"upload-{ReadAtUpload.KEPT}") is None  # taken once


def test_the_next_chunk_is_checked_while_one_is_written_and_every_row_is_answered(
        api, monkeypatch) -> None:
    """R-TRF-3: a file's next chunk is checked and its teachers resolved while the chunk
    before it is written (the accounts lookup and the row checks overlap the database's
    work, from when the chunk's lookups are done): the first chunk's write, once it has
    read what is kept, waits here until the second chunk's teachers have been asked for,
    which a job checking chunk after chunk would never do. The report and the counts
    are those of a job without it."""
    import threading

    from services.transfer.handlers import push
    from services.transfer.handlers import uploads as handler
    mapped_source(api)
    monkeypatch.setattr(handler, "CHUNK_ROWS", 2)
    rows = [attendee(n) for n in range(4)] + [attendee(4, 時數="2.25"), attendee(5)]
    second_asked = threading.Event()
    directory, write = api.runtime.components.directory, push.write
    ask = directory.account_ids

    def account_ids(teacher_ids):
        if IDS[2] in teacher_ids:  # the second chunk of the attendance
            second_asked.set()
        return ask(teacher_ids)

    waited: list[bool] = []

    def write_after_the_next_check(uow, clock, code, checked, *args, read, **kwargs):
        def read_then_wait():
            read()
            waited.append(second_asked.wait(timeout=10))

        first = any(row.teacher_id == IDS[0] for _, row, _ in checked.attendance)
        return write(uow, clock, code, checked, *args, read=read_then_wait if first else read,
                     **kwargs)

    monkeypatch.setattr(directory, "account_ids", account_ids)
    monkeypatch.setattr(push, "write", write_after_the_next_check)
    read = handler.ReadAtUpload()
    state = _process(api, _upload(api, workbook(rows), read)["upload_id"], read)
    assert waited == [True]
    assert state["status"] == "done" and state["rows_done"] == 7
    assert state["counts"]["attendance"]["added"] == 5 and state["error_count"] == 1
    report = api.call("get", f"/sources/ila-edu/files/{state['upload_id']}/report.csv"
                      "?table=研習紀錄", role="business",
                      unit="023301").data.decode("utf-8-sig").splitlines()
    assert len(report) == 7 and "hours: invalid-hours" in report[5]


def test_the_job_runs_with_the_tables_out_of_the_collectors_full_passes(api, monkeypatch
                                                                        ) -> None:
    """The objects held when the job starts (the file's tables) are frozen while its
    chunks are written (``gc.freeze``), and given back to the collector after."""
    from services.transfer.handlers import push
    from services.transfer.handlers import uploads as handler
    mapped_source(api)
    frozen = seen_at_each_call(monkeypatch, push, "write", gc.get_freeze_count)
    read = handler.ReadAtUpload()
    before = gc.get_freeze_count()
    state = _process(api, _upload(api, workbook([attendee(0), attendee(1)]), read)[
        "upload_id"], read)
    assert state["status"] == "done" and state["counts"]["attendance"]["added"] == 2
    assert frozen and all(count > before for count in frozen)
    assert gc.get_freeze_count() == before


def test_the_file_is_read_at_upload_with_the_collector_paused(api, monkeypatch) -> None:
    """The tables are made with no collection (``gc.disable``), and the collector is on
    again after, whether the upload is accepted or not — unless it was off before."""
    from services.transfer.handlers import uploads as handler
    mapped_source(api)
    collecting = seen_at_each_call(monkeypatch, handler, "read_tables", gc.isenabled)
    assert gc.isenabled()
    upload = _upload(api, workbook([attendee(0)]), handler.ReadAtUpload())
    assert upload["status"] == "queued" and collecting == [False] and gc.isenabled()
    with pytest.raises(Invalid):
        _upload(api, b"not a workbook", handler.ReadAtUpload())
    assert collecting == [False, False] and gc.isenabled()
    gc.disable()  # off before (another read, or a caller): left off
    try:
        _upload(api, workbook([attendee(1)]), handler.ReadAtUpload())
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("database", ["api", "pg_api"])
def test_a_source_archived_while_its_file_is_processed_takes_no_chunk_after(
        request, monkeypatch, database) -> None:
    """Each chunk reads and locks its source in its own transaction (one statement on
    PostgreSQL): the source archived between two chunks, the job stops at the next one
    (failed), and what the chunks before it kept stays as it was."""
    from services.transfer.handlers import push
    from services.transfer.handlers import uploads as handler
    api = request.getfixturevalue(database)
    mapped_source(api)
    monkeypatch.setattr(handler, "CHUNK_ROWS", 2)
    write, written = push.write, []

    def write_then_archive(*args, **kwargs):
        answer = write(*args, **kwargs)
        written.append(answer["counts"]["attendance"]["added"])
        if len(written) == 2:  # the courses, then the first two attendance rows
            assert api.call("post", "/sources/ila-edu/state",
                            json={"state": "archived"}).status_code == 200
        return answer

    monkeypatch.setattr(push, "write", write_then_archive)
    read = handler.ReadAtUpload()
    state = _process(api, _upload(api, workbook([attendee(n) for n in range(6)]), read)[
        "upload_id"], read)
    assert written == [0, 2] and state["status"] == "failed" and state["rows_done"] == 3
    with api.runtime.components.unit_of_work() as uow:
        assert uow.records.counts("ila-edu") == {"courses": 1, "attendance": 2}


def test_a_file_s_chunk_is_written_in_one_piece(api, monkeypatch) -> None:
    """A pushed batch's rows go in parts (``push.PART_ROWS``); a file's chunk is written
    whole, its next chunk checked in another thread meanwhile (the server's waits are
    that check's already). Every row is added either way."""
    from services.transfer.handlers import push
    from services.transfer.handlers.uploads import ReadAtUpload
    monkeypatch.setattr(push, "PART_ROWS", 2)
    pieces = []
    made = push._Writer._values

    def counted(self, rows, *args):
        pieces.append(len(rows))
        return made(self, rows, *args)

    monkeypatch.setattr(push._Writer, "_values", counted)
    mapped_source(api)
    read = ReadAtUpload()
    state = _process(api, _upload(api, workbook([attendee(n) for n in range(6)]), read)[
        "upload_id"], read)
    assert state["counts"]["attendance"]["added"] == 6 and pieces == [6]
    pieces.clear()
    rows = [{"source_course_key": "ILA-1", "teacher_id": IDS[n], "teacher_name": f"教師{n}",
             "school_code": "024501", "hours": "3", "completed_on": "2013-04-01"}
            for n in range(6, 12)]
    answer = api.push("ila-edu", {"attendance": rows}).json
    assert answer["counts"]["attendance"]["added"] == 6 and pieces == [2, 2, 2]
