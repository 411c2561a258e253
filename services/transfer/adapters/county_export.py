"""The county export (R-TRF-9): the consolidated records of a county's teachers, as they
are read (a server-side cursor, a few thousand rows in memory at a time) and written out
as they come.

A teacher is the county's when the school the record names is in that county in the
units' replica (accounts' ``accounts.unit.*`` events). A record is live (not withdrawn)
and of production (never a test source's ``trial``). No national ID: transfer holds the
account id and the name the source sent.

``.csv``: UTF-8 with a byte-order mark (Excel reads the Chinese so), a chunk every
``CHUNK_ROWS`` rows, and a text that a spreadsheet would take for a formula starts with
``'``. ``.xlsx``: openpyxl's write-only workbook, whose rows go to a
temporary file as they are appended (constant memory), with typed cells (dates, numbers),
sent in chunks once the last row is written (a zip's directory comes last)."""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session, aliased

from services.transfer.adapters.tables import attendance, courses, sources, unit_replica

CHUNK_ROWS = 1_000
FILE_CHUNK = 256 * 1024
FETCH = 2_000

HEADER = ("來源 source", "課程代碼 course_key", "課程名稱 title", "開課單位 organiser",
          "開課單位名稱 organiser_name", "開始日期 start_date", "結束日期 end_date",
          "課程時數 course_hours", "課程類型 class_type", "類別 category",
          "帳號 account_id", "姓名 teacher_name", "學校代碼 school_code",
          "學校名稱 school_name", "研習時數 hours", "完成日期 completed_on", "版本 version")
DATE_COLUMNS = {5, 6, 15}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def county_query(county: str, starts_from: date | None, starts_to: date | None,
                 source: str | None) -> Select[Any]:
    a, c = attendance.c, courses.c
    school, organiser = aliased(unit_replica), aliased(unit_replica)
    query = (select(a.source, a.course_key, c.title, c.organiser_unit_code,
                    organiser.c.name.label("organiser_name"), c.start_date, c.end_date,
                    c.hours.label("course_hours"), c.class_type, c.category, a.account_id,
                    a.teacher_name, a.school_code, school.c.name.label("school_name"),
                    a.hours, a.completed_on, a.version)
             .select_from(attendance)
             .join(courses, and_(c.source == a.source, c.course_key == a.course_key,
                                 c.start_year == a.start_year))
             .join(school,
                   and_(school.c.code == a.school_code, school.c.county_code == county))
             .join(sources, sources.c.code == a.source)
             .outerjoin(organiser, organiser.c.code == c.organiser_unit_code)
             .where(a.trial.is_(False), a.withdrawn_reason.is_(None),
                    c.withdrawn_reason.is_(None),
                    sources.c.state.in_(("production", "archived")))
             .order_by(c.start_date, a.source, a.course_key, a.account_id))
    if starts_from is not None:  # the year too, so PostgreSQL reads only those partitions
        query = query.where(c.start_date >= starts_from, a.start_year >= starts_from.year)
    if starts_to is not None:
        query = query.where(c.start_date <= starts_to, a.start_year <= starts_to.year)
    if source is not None:
        query = query.where(a.source == source)
    return query


def county_rows(session: Session, query: Select[Any]) -> Iterator[tuple[Any, ...]]:
    """The rows as the database sends them (server-side cursor on PostgreSQL)."""
    result = session.execute(query.execution_options(yield_per=FETCH))
    for row in result:
        yield tuple(row)


def csv_chunks(rows: Iterable[tuple[Any, ...]], counter: list[int]) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([_text(value) for value in row])
        counter[0] += 1
        if counter[0] % CHUNK_ROWS == 0:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode()


def xlsx_chunks(rows: Iterable[tuple[Any, ...]], counter: list[int],
                sheet_title: str) -> Iterator[bytes]:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title[:31])
    sheet.append(HEADER)
    for row in rows:
        sheet.append([_cell(sheet, position, value) for position, value in enumerate(row)])
        counter[0] += 1
    with tempfile.TemporaryFile() as file:
        book.save(file)
        file.seek(0)
        while chunk := file.read(FILE_CHUNK):
            yield chunk


def _cell(sheet: Any, position: int, value: Any) -> Any:
    if value is None:
        return None
    if position in DATE_COLUMNS:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if position in (7, 14):  # hours: numbers, not text
        return float(value)
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # a title a source sent is text, never a formula
        return cell
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in FORMULA_START:
        return "'" + value  # a spreadsheet opening the file must not run it as a formula
    return str(value)
