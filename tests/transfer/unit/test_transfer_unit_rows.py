"""Rows of format v1 checked field by field (R-TRF-4, R-TRF-5, R-TRF-11): every fault of
a row answered with its field and stable code, in zh-TW and English."""
from datetime import date
from decimal import Decimal

from services.transfer.domain.records import Attendance, Course, check_attendance, check_course
from services.transfer.domain.row_errors import MESSAGES
from services.transfer.domain.teacher_ids import normalised, with_check_digit

FREEZE = date(2012, 12, 31)
COURSE = {"source_course_key": "C-1", "title": "閱讀素養教學", "organiser_unit_code": "313301",
          "county_code": "TPE", "start_date": "2013-03-01", "end_date": "2013-03-02",
          "hours": "6.5", "class_type": "研習", "category": "語文",
          "tags": ["閱讀"], "lecturers": ["王老師"]}


def faults(result) -> set[tuple[str, str]]:
    assert isinstance(result, list), result
    return {(error.field, error.code) for error in result}


def test_a_good_course_keeps_its_values() -> None:
    course = check_course(1, COURSE, FREEZE)
    assert isinstance(course, Course)
    assert course.hours == Decimal("6.5") and course.start_date == date(2013, 3, 1)
    assert course.tags == ("閱讀",)
    assert check_course(1, {**COURSE, "tags": "閱讀;數位"}, FREEZE).tags == ("閱讀", "數位")


def test_every_fault_of_a_course_is_named() -> None:
    row = {**COURSE, "title": "", "hours": "1.25", "county_code": "XXX",
           "end_date": "2013-02-28", "organiser_unit_code": "31-301"}
    assert faults(check_course(7, row, FREEZE)) == {
        ("title", "required"), ("hours", "invalid-hours"), ("county_code", "invalid-code"),
        ("end_date", "end-before-start"), ("organiser_unit_code", "invalid-code")}
    assert faults(check_course(1, {**COURSE, "start_date": "2013/03/01"}, FREEZE)) == {
        ("start_date", "invalid-date")}
    assert faults(check_course(1, {**COURSE, "hours": "-1"}, FREEZE)) == {
        ("hours", "invalid-hours")}
    assert faults(check_course(1, "not a row", FREEZE)) == {("", "invalid-row")}


def test_a_course_on_or_before_the_freeze_is_refused() -> None:
    assert faults(check_course(1, {**COURSE, "start_date": "2012-12-31",
                                   "end_date": "2013-01-02"}, FREEZE)) == {
        ("start_date", "frozen-period")}
    assert isinstance(check_course(1, {**COURSE, "start_date": "2013-01-01"}, FREEZE), Course)


def test_an_attendance_needs_a_valid_national_id() -> None:
    number = with_check_digit("A12345678")
    row = {"source_course_key": "C-1", "teacher_id": number.lower(), "teacher_name": "林老師",
           "school_code": "313502", "hours": 3, "completed_on": "2013-03-02"}
    checked = check_attendance(1, row)
    assert isinstance(checked, Attendance) and checked.teacher_id == number
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert faults(check_attendance(1, {**row, "teacher_id": wrong})) == {
        ("teacher_id", "invalid-national-id")}
    assert normalised("Ａ" + number[1:]) == number  # full-width, as typed in a sheet


def test_every_code_has_both_messages() -> None:
    assert all(zh and en and zh != en for zh, en in MESSAGES.values())
