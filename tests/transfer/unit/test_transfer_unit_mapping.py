"""R-TRF-3: a file's table mapped onto the format's fields — each row a tuple of its
part's fields in the format's order, whatever the file's column order, names or widths."""
from __future__ import annotations

from services.transfer.domain.mapping import FIELDS, PartMapping, apply_mapping, fields_of


def test_rows_come_in_the_formats_order_under_the_sources_names() -> None:
    header = ["完成日期", "時數", "學校", "姓名", "身分證", "課程代碼", "備註"]
    rows = [["2013-03-02", "3", "313502", "林老師", "A123456789", "C-1", "x"]]
    mapping = PartMapping("attendance", "出席", {
        "completed_on": "完成日期", "hours": "時數", "school_code": "學校",
        "teacher_name": "姓名", "teacher_id": "身分證", "source_course_key": "課程代碼"})
    [table] = apply_mapping([("出席", header, rows)], {"attendance": mapping})
    assert table.rows == [("C-1", "A123456789", "林老師", "313502", "3", "2013-03-02")]
    assert table.original is rows  # the report's rows are the file's own
    assert fields_of("attendance", table.rows[0]) == {
        "source_course_key": "C-1", "teacher_id": "A123456789", "teacher_name": "林老師",
        "school_code": "313502", "hours": "3", "completed_on": "2013-03-02"}


def test_a_field_the_file_lacks_and_a_short_rows_missing_cells_are_empty() -> None:
    header = [field for field in FIELDS["courses"] if field not in ("tags", "lecturers")]
    full = [f"v{n}" for n in range(len(header))]
    [table] = apply_mapping([("courses", header, [full, full[:3]])], {})
    assert table.rows[0] == (*full, "", "")  # tags and lecturers: not in the file
    assert table.rows[1] == (*full[:3], *[""] * (len(FIELDS["courses"]) - 3))
    assert all(len(row) == len(FIELDS["courses"]) for row in table.rows)


def test_a_pushed_row_is_read_as_it_is() -> None:
    pushed = {"source_course_key": "C-1"}
    assert fields_of("attendance", pushed) is pushed
    assert fields_of("attendance", ["C-1"]) == ["C-1"]  # a list is no mapped row
