"""R-ACC-3: teacher data refresh from a JSON batch or a CSV/XLSX file, with a report per
row; a re-sent unchanged file changes nothing and records no event; bad input gets a
clear row error or problem, and nothing stored is lost or half-changed."""
from __future__ import annotations

import functools
import io
import zipfile
from datetime import date

import pytest
from accounts_helpers import (
    OPERATOR,
    csv_file,
    outbox_count,
    outbox_events,
    refusal,
    reviewer,
    schools,
    teacher_id,
    vault,
    work,
    xlsx_file,
)
from sqlalchemy import func, select, text

from contracts.events import CATALOGUE
from servicekit.errors import ApplicationError
from services.accounts.adapters.orm import accounts as accounts_table
from services.accounts.adapters.orm import teacher_past_schools
from services.accounts.handlers.teacher_import import import_file, import_rows
from services.accounts.handlers.units import register_unit


def rows_of(*items: dict) -> list[tuple[int, dict]]:
    return list(enumerate(items, start=1))


def teacher(number: int, school: str = "353301", **fields) -> dict:
    return {"national_id": teacher_id(number), "name": f"教師{number}", "school_code": school,
            "email": f"t{number}@school.example", **fields}


def snapshot(runtime) -> list[tuple]:
    with runtime.database.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            select(accounts_table).order_by(accounts_table.c.login))]


@pytest.fixture
def runtime(accounts):
    schools(accounts)
    return accounts


def test_a_json_batch_creates_teachers_with_a_report_per_row_and_events(runtime) -> None:
    before = outbox_count(runtime)
    report = import_rows(work(runtime), runtime.clock, vault(runtime),
                         OPERATOR, rows_of(teacher(1), teacher(2, "193601"),
                                                    teacher(3, email=None)))
    assert report.counts == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}
    assert [(r.row, r.status, r.login) for r in report.rows] == [
        (1, "created", "teacher00001"), (2, "created", "teacher00002"), (3, "created", "teacher00003")]
    events = outbox_events(runtime, "accounts.account.created.v1")
    assert len(events) == outbox_count(runtime) - before == 3
    assert events[1]["data"] == {
        "account_id": report.rows[1].account_id, "login": "teacher00002", "kind": "teacher",
        "status": "enabled", "display_name": "教師2", "email": "t2@school.example",
        "unit_code": "193601", "authority_code": None, "county_code": "TXG", "version": 1}


def test_a_csv_file_then_the_same_file_again_changes_nothing_and_says_nothing(runtime) -> None:
    data = csv_file([[teacher_id(n), f"教師{n}", "353301", f"t{n}@school.example"]
                     for n in range(1, 21)])
    first = import_file(work(runtime), runtime.clock, vault(runtime), OPERATOR, "teachers.csv", data)
    assert first.counts["created"] == 20
    state, events = snapshot(runtime), outbox_count(runtime)
    again = import_file(work(runtime), runtime.clock, vault(runtime), OPERATOR, "teachers.csv", data)
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 20, "rejected": 0}
    assert [r.login for r in again.rows] == [r.login for r in first.rows]
    assert snapshot(runtime) == state  # not even updated_at moved
    assert outbox_count(runtime) == events


def test_an_xlsx_file_with_chinese_headers_and_numeric_school_codes(runtime) -> None:
    register_unit(work(runtime), runtime.clock, "011301", "新北市立板橋高級中學", "senior_high_school", "NWT")
    data = xlsx_file([[teacher_id(1), "王小明", 353301, None],
                      [teacher_id(2), "林美玲", 11301, "lin@school.example"],  # lost its zero
                      [None, None, None, None],  # the empty rows spreadsheets keep
                      [teacher_id(3), "陳建宏", "413601", ""]])
    report = import_file(work(runtime), runtime.clock, vault(runtime), OPERATOR, "名冊.XLSX", data)
    assert [(r.row, r.status) for r in report.rows] == [(2, "created"), (3, "created"),
                                                        (5, "created")]
    assert [e["data"]["unit_code"] for e in outbox_events(runtime, "accounts.account.created.v1")] \
        == ["353301", "011301", "413601"]


def test_big5_csv_from_excel_is_read(runtime) -> None:
    data = csv_file([[teacher_id(1), "王小明", "353301"]], ["身分證字號", "姓名", "學校代碼"],
                    encoding="cp950")
    assert import_file(work(runtime), runtime.clock, vault(runtime), OPERATOR, "big5.csv", data).counts["created"] == 1


def test_changes_update_and_moves_keep_the_past_school(runtime) -> None:
    import_rows(work(runtime), runtime.clock, vault(runtime),
                OPERATOR, rows_of(*(teacher(n, since="2015-08-01") for n in (1, 2, 3))))
    created = {e["data"]["login"]: e["data"]["account_id"]
               for e in outbox_events(runtime, "accounts.account.created.v1")}
    report = import_rows(work(runtime), runtime.clock, vault(runtime), OPERATOR, rows_of(
        teacher(1, name="教師一"),  # renamed
        teacher(2, "193601", since="2017-08-01"),  # moved to Taichung
        teacher(3, email=None),  # no e-mail sent: the known one stays
    ))
    assert [r.status for r in report.rows] == ["updated", "updated", "unchanged"]
    updated = outbox_events(runtime, "accounts.account.updated.v1")
    assert [(e["data"]["login"], e["data"]["display_name"], e["data"]["unit_code"],
             e["data"]["county_code"], e["data"]["version"]) for e in updated] == [
        ("teacher00001", "教師一", "353301", "TPE", 2), ("teacher00002", "教師2", "193601", "TXG", 2)]
    [moved] = outbox_events(runtime, "accounts.teacher.school_changed.v1")
    assert moved["data"] == {"account_id": created["teacher00002"], "unit_code": "193601",
                             "since": "2017-08-01", "version": 2}
    with runtime.database.engine.connect() as connection:
        past = connection.execute(select(teacher_past_schools.c.unit_code,
                                         teacher_past_schools.c.until)).all()
    assert past == [("353301", date(2017, 8, 1))]
    # a move to before the current assignment began is refused, the rest goes on
    late = import_rows(work(runtime), runtime.clock, vault(runtime),
                       OPERATOR, rows_of(teacher(2, "413601", since="2016-01-01"),
                                                  teacher(4)))
    assert [(r.status, r.reason) for r in late.rows] == [
        ("rejected", "move-before-current-assignment"), ("created", None)]


def test_every_row_error_is_reported_and_the_good_rows_still_count(runtime) -> None:
    import_rows(work(runtime), runtime.clock, vault(runtime), OPERATOR, rows_of(teacher(9)))
    stored, events = snapshot(runtime), outbox_count(runtime)
    report = import_rows(work(runtime), runtime.clock, vault(runtime), OPERATOR, rows_of(
        teacher(1),
        {**teacher(2), "national_id": "A123456788"},  # wrong check digit
        {**teacher(3), "national_id": "not an id"},
        teacher(4, school="999999"),  # no such unit
        teacher(5, school="TPE-TSC"),  # a centre, not a school
        teacher(6), teacher(6, name="又一次"),  # the same person twice
        {**teacher(7), "name": "  "},
        {**teacher(8), "email": "not-an-address"},
        {**teacher(10), "school_code": "35 33 01"},
        {**teacher(11), "since": "2017-13-45"},
        {**teacher(9), "national_id": "a" + teacher_id(9)[1:]},  # known teacher, lower case
    ))
    assert [(r.row, r.status, r.reason) for r in report.rows] == [
        (1, "created", None),
        (2, "rejected", "invalid-national-id"),
        (3, "rejected", "invalid-national-id"),
        (4, "rejected", "unknown-unit"),
        (5, "rejected", "not-a-school"),
        (6, "rejected", "duplicate-national-id"),
        (7, "rejected", "duplicate-national-id"),
        (8, "rejected", "invalid-name"),
        (9, "rejected", "invalid-email"),
        (10, "rejected", "invalid-school-code"),
        (11, "rejected", "invalid-date"),
        (12, "unchanged", None),
    ]
    assert report.rows[1].detail == "the national ID the check digit does not match"
    assert report.rows[5].detail == "the same national ID is in rows 7"
    assert outbox_count(runtime) == events + 1  # only the created teacher said anything
    assert [row for row in snapshot(runtime) if row[1] == "teacher00001"] == stored


def test_a_reviewer_imports_only_for_schools_under_its_authority(runtime) -> None:
    report = import_rows(work(runtime), runtime.clock, vault(runtime),
                         reviewer("TXG"), rows_of(teacher(1, "193601"), teacher(2)))
    assert [(r.status, r.reason) for r in report.rows] == [
        ("created", None), ("rejected", "unit-outside-authority")]


@pytest.mark.parametrize("filename, data, status, slug", [
    ("t.csv", csv_file([[teacher_id(1), "王", "353301"]], ["national_id", "nmae", "school_code"]),
     422, "wrong-columns"),
    ("t.csv", csv_file([], ["national_id", "name"]), 422, "wrong-columns"),
    ("t.csv", csv_file([], ["national_id", "name", "school_code", "姓名"]), 422, "wrong-columns"),
    ("t.csv", b"", 422, "empty-file"),
    ("t.csv", "身分證字號,姓名".encode("utf-16"), 422, "unreadable-file"),
    ("t.xls", b"\xd0\xcf\x11\xe0", 415, "unsupported-file-type"),
    ("t.xlsx", b"national_id,name,school_code\n", 422, "invalid-xlsx"),
    ("t.xlsx", b"PK\x03\x04 truncated", 422, "invalid-xlsx"),
])
def test_a_file_refused_whole_changes_nothing(runtime, filename, data, status, slug) -> None:
    import_rows(work(runtime), runtime.clock, vault(runtime), OPERATOR, rows_of(teacher(1)))
    stored, events = snapshot(runtime), outbox_count(runtime)
    with pytest.raises(ApplicationError) as refused:
        import_file(work(runtime), runtime.clock, vault(runtime), OPERATOR, filename, data)
    assert (refusal(refused.value).status, refused.value.slug) == (status, slug)
    assert snapshot(runtime) == stored and outbox_count(runtime) == events


def test_wrong_columns_say_what_is_missing_and_what_is_unexpected(runtime) -> None:
    with pytest.raises(ApplicationError) as refused:
        import_file(work(runtime), runtime.clock, vault(runtime),
                    OPERATOR, "t.csv", csv_file([], ["身分證字號", "名字", "email"]))
    extensions = refusal(refused.value).extensions
    assert extensions["missing"] == ["name", "school_code"]
    assert extensions["unexpected"] == ["名字"]
    assert extensions["required"] == ["national_id", "name", "school_code"]


def test_a_file_over_50_mb_is_refused_before_it_is_read(runtime) -> None:
    with pytest.raises(ApplicationError) as refused:
        import_file(work(runtime), runtime.clock, vault(runtime), OPERATOR, "t.csv", b"x" * (50 * 1024 * 1024 + 1))
    assert (refusal(refused.value).status, refused.value.slug) == (413, "file-too-large")


@functools.cache
def zip_bomb(uncompressed: int = 64 * 1024 * 1024) -> bytes:
    """What an attacker sends as "teachers.xlsx": a workbook whose sheet unpacks to
    hundreds of megabytes of nothing."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b"\0" * (8 * 1024 * 1024)
            for _ in range(uncompressed // len(block)):
                sheet.write(block)
    return buffer.getvalue()


@pytest.mark.parametrize("megabytes, why", [(64, "an entry is packed more than 100 to 1"),
                                            (300, "an entry unpacks to more than 256 MiB")])
def test_a_zip_bomb_disguised_as_xlsx_is_refused_unopened(runtime, megabytes, why) -> None:
    bomb = zip_bomb(megabytes * 1024 * 1024)
    assert len(bomb) < megabytes * 1024 * 1024 / 200
    with pytest.raises(ApplicationError) as refused:
        import_file(work(runtime), runtime.clock, vault(runtime), OPERATOR, "teachers.xlsx", bomb)
    assert (refusal(refused.value).status, refused.value.slug) == (422, "unsafe-archive")
    assert refused.value.detail == f"the file was not opened: {why}"


def lying_about_its_size(claimed: int) -> bytes:
    """A workbook whose sheet claims to unpack to ``claimed`` bytes and unpacks to 16 MiB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<row/>" * (16 * 1024 * 1024 // 6))
    data = bytearray(buffer.getvalue())
    name = b"xl/worksheets/sheet1.xml"
    local = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name.decode()).header_offset
    central = data.index(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    data[local + 22:local + 26] = claimed.to_bytes(4, "little")
    data[central + 24:central + 28] = claimed.to_bytes(4, "little")
    return bytes(data)


def test_a_zip_that_lies_about_its_sizes_is_caught_while_unpacking(runtime) -> None:
    data = lying_about_its_size(600 * 1024)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml").file_size == 600 * 1024
    with pytest.raises(ApplicationError) as refused:
        import_file(work(runtime), runtime.clock, vault(runtime), OPERATOR, "teachers.xlsx", data)
    assert (refused.value.slug, refused.value.detail) == (
        "invalid-xlsx", "the archive is damaged (BadZipFile)")  # its CRC does not match


def test_created_events_all_fit_the_contract(runtime) -> None:
    import_rows(work(runtime), runtime.clock, vault(runtime),
                OPERATOR, rows_of(*(teacher(n, ("353301", "193601")[n % 2])
                                             for n in range(1, 260))))
    events = outbox_events(runtime, "accounts.account.created.v1")
    assert len(events) == 259  # beyond the first 200, which the kit's outbox validates
    for event in events:
        CATALOGUE.validate_data(event["type"], event["data"])
    assert len({e["id"] for e in events}) == 259
    assert len({e["correlation_id"] for e in events}) == 1  # one import, one correlation id


def test_logins_continue_where_the_last_import_stopped(runtime) -> None:
    import_rows(work(runtime), runtime.clock, vault(runtime), OPERATOR, rows_of(teacher(1), teacher(2)))
    report = import_rows(work(runtime), runtime.clock, vault(runtime), OPERATOR, rows_of(teacher(3)))
    assert report.rows[0].login == "teacher00003"
    with runtime.database.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(accounts_table)) == 3
        assert connection.scalar(text("SELECT next_value FROM login_sequences")) == 4


def test_the_http_endpoints_take_files_and_batches(api) -> None:
    schools(api.runtime)
    data = csv_file([[teacher_id(1), "王小明", "353301", ""], [teacher_id(2), "林", "999999", ""]])
    answer = api.post("/teachers/imports", role="reviewer", authority="TPE",
                      data={"file": (io.BytesIO(data), "名冊.csv")},
                      content_type="multipart/form-data")
    assert answer.status_code == 200, answer.json
    assert answer.json["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert answer.json["rows"][1] == {"row": 3, "status": "rejected", "account_id": None,
                                      "login": None, "reason": "unknown-unit",
                                      "detail": "no unit has this code"}
    batch = api.post("/teachers/batches", json={"teachers": [teacher(1), teacher(3)]})
    assert [r["status"] for r in batch.json["rows"]] == ["updated", "created"]
    missing = api.post("/teachers/imports", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and missing.json["type"].endswith("file-required")
    bomb = api.post("/teachers/imports", data={"file": (io.BytesIO(zip_bomb()), "t.xlsx")},
                    content_type="multipart/form-data")
    assert bomb.status_code == 422 and bomb.json["type"] == "urn:inservice:problem:unsafe-archive"
    assert api.post("/teachers/batches", role="business", unit="353301",
                    json={"teachers": [teacher(4)]}).status_code == 403
    me, other = (row["account_id"] for row in batch.json["rows"])
    assert api.get(f"/teachers/{me}", role="teacher", subject=me).json["login"] == "teacher00001"
    assert api.get(f"/teachers/{other}", role="teacher", subject=me).status_code == 404
    assert api.get(f"/teachers/{me}", role="business", unit="353301").status_code == 200
    assert api.get(f"/teachers/{me}", role="business", unit="193601").status_code == 404
    assert api.get(f"/teachers/{me}", role="reviewer", authority="TXG").status_code == 404
    moved = api.patch(f"/teachers/{me}", role="reviewer", authority="TPE",
                      json={"school_code": "413601", "since": "2099-08-01"})
    assert moved.status_code == 200 and moved.json["past_schools"][0]["unit_code"] == "353301"
    away = api.patch(f"/teachers/{me}", role="reviewer", authority="TPE",
                     json={"school_code": "193601", "since": "2100-08-01"})
    assert (away.status_code, away.json["type"]) == (403, "urn:inservice:problem:unit-outside-authority")


def test_an_import_computed_from_a_stale_teacher_changes_nothing(runtime, monkeypatch) -> None:
    from dataclasses import replace

    from services.accounts.adapters import teacher_writers
    import_rows(work(runtime), runtime.clock, vault(runtime), OPERATOR, rows_of(teacher(1)))
    real = teacher_writers.PortableTeacherWriter.existing

    def read_before_a_change(self, hashes):
        return {h: replace(known, version=known.version - 1)
                for h, known in real(self, hashes).items()}
    monkeypatch.setattr(teacher_writers.PortableTeacherWriter, "existing", read_before_a_change)
    stored, events = snapshot(runtime), outbox_count(runtime)
    with pytest.raises(ApplicationError) as refused:
        import_rows(work(runtime), runtime.clock, vault(runtime),
                    OPERATOR, rows_of(teacher(1, name="檔案改"), teacher(2)))
    assert (refusal(refused.value).status, refused.value.slug) == (409, "concurrent-change")
    assert snapshot(runtime) == stored and outbox_count(runtime) == events
