"""The file readers (R-TRF-3) on files made by other tools than the one that reads them:
openpyxl writes the workbooks calamine reads, Access's own sample databases (Jet 4 .mdb,
ACE .accdb) are read through mdbtools, XML is read as a stream with DTDs and entities
refused; a file that is not what its name says, or a zip bomb, is refused by name."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from services.transfer.adapters.files.readers import read_tables
from services.transfer.adapters.files.tables import UnreadableFile

pytestmark = pytest.mark.integration  # mdbtools runs in a process of its own

ACCESS = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "access"


def workbook(*sheets: tuple[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_openpyxl_workbook_reads_sheet_by_sheet_with_days_and_whole_hours() -> None:
    from datetime import date
    data = workbook(("出席", [["課程代碼", "身分證字號", "時數", "完成日"],
                            ["C-1", "A123456789", 6, date(2013, 3, 2)],
                            [None, None, None, None],
                            ["C-1", "B123456780", 2.5, "2013-03-02"]]))
    [table] = read_tables("report.xlsx", data)
    assert table.name == "出席" and table.header == ["課程代碼", "身分證字號", "時數", "完成日"]
    assert table.rows == [["C-1", "A123456789", "6", "2013-03-02"],
                          ["C-1", "B123456780", "2.5", "2013-03-02"]]


def test_a_file_that_is_not_what_its_name_says_is_refused() -> None:
    for name, data in (("a.xlsx", b"plain text"), ("a.xls", workbook(("s", [["x"]]))),
                       ("a.mdb", b"\x00" * 64), ("a.xml", b"<batch><course>"),
                       ("a.accdb", b"PK\x03\x04 not access")):
        with pytest.raises(UnreadableFile) as refusal:
            read_tables(name, data)
        assert refusal.value.slug == "not-this-kind-of-file", name
    with pytest.raises(UnreadableFile) as refusal:
        read_tables("a.csv", b"a,b")
    assert refusal.value.slug == "unsupported-file"


def test_a_zip_bomb_is_refused_before_calamine_opens_it() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (64 * 1024 * 1024))
    with pytest.raises(UnreadableFile) as refusal:
        read_tables("bomb.xlsx", out.getvalue())
    assert refusal.value.slug == "unsafe-archive"


def test_xml_is_read_as_records_with_lists_and_namespaces() -> None:
    data = """<?xml version="1.0" encoding="UTF-8"?>
<batch xmlns="urn:inservice:transfer:format:v1">
  <course><source_course_key>C-1</source_course_key><title>閱讀</title>
    <tag>閱讀</tag><tag>素養</tag></course>
  <attendance><source_course_key>C-1</source_course_key><teacher_id>A123456789</teacher_id>
  </attendance>
</batch>""".encode()
    course, attendance = read_tables("batch.xml", data)
    assert course.name == "course" and attendance.name == "attendance"
    assert dict(zip(course.header, course.rows[0], strict=True)) == {
        "source_course_key": "C-1", "title": "閱讀", "tags": "閱讀;素養"}
    assert attendance.rows == [["C-1", "A123456789"]]


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE batch [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
    '<!DOCTYPE batch SYSTEM "http://example.com/batch.dtd">',
    '<!DOCTYPE batch [<!ENTITY x SYSTEM "file:///etc/passwd">]>'])
def test_xml_with_a_dtd_or_entities_is_refused(doctype) -> None:
    data = f'<?xml version="1.0"?>{doctype}<batch><course><title>&b;</title></course></batch>'
    with pytest.raises(UnreadableFile) as refusal:
        read_tables("batch.xml", data.encode())
    assert refusal.value.slug == "unsafe-xml"


def test_access_files_of_both_generations_are_read_through_mdbtools() -> None:
    mdb = read_tables("nwind.mdb", (ACCESS / "nwind.mdb").read_bytes(), only={"Shippers"})
    shippers = next(table for table in mdb if table.name == "Shippers")
    assert "CompanyName" in shippers.header and len(shippers.rows) >= 3
    assert {"Orders", "Products"} <= {table.name for table in mdb}  # named, not exported
    accdb = read_tables("sample.accdb", (ACCESS / "ASampleDatabase.accdb").read_bytes())
    assert accdb and all(table.header for table in accdb if table.rows)
