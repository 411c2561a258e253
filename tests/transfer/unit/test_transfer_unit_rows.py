"""Rows of format v1 checked field by field (R-TRF-4, R-TRF-5, R-TRF-11): every fault of
a row answered with its field and stable code, in zh-TW and English."""
import random
from datetime import date
from decimal import Decimal

from services.transfer.domain.mapping import FIELDS, fields_of
from services.transfer.domain.records import (
    Attendance,
    Course,
    check_attendance,
    check_course,
    plain_attendance,
)
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


ROW = {"source_course_key": "C-1", "teacher_id": with_check_digit("A12345678"),
       "teacher_name": "林老師", "school_code": "313502", "hours": "3",
       "completed_on": "2013-03-02"}
VARIANTS = [
    {}, {"hours": 3}, {"hours": 2.5}, {"hours": " 1.5 "}, {"hours": "1.25"}, {"hours": "-1"},
    {"hours": "9999.9"}, {"hours": "10000"}, {"hours": "NaN"}, {"hours": ""}, {"hours": None},
    {"hours": True}, {"hours": "1_0"}, {"completed_on": "2013-03-02T00:00:00"},
    {"completed_on": "2013-03-02 00:00:00"}, {"completed_on": "2013/03/02"},
    {"completed_on": "2013-02-30"}, {"completed_on": date(2013, 3, 2)}, {"completed_on": ""},
    {"teacher_id": " " + with_check_digit("A12345678").lower() + " "},
    {"teacher_id": "Ａ" + with_check_digit("A12345678")[1:]}, {"teacher_id": "A123456780"},
    {"teacher_id": ""}, {"teacher_id": "A" * 21}, {"teacher_id": 12},
    {"school_code": "31350"}, {"school_code": "31-502"}, {"school_code": "３１３５０２"},
    {"school_code": " 313502 "}, {"teacher_name": ""}, {"teacher_name": "名" * 101},
    {"source_course_key": "K" * 61}, {"source_course_key": 7}, {"source_course_key": " C-1 "},
]


def test_a_batch_checked_at_once_gives_each_row_what_it_gets_alone() -> None:
    """R-TRF-4: the quick path (``plain_attendance``) judges each distinct text of a batch
    once; every row of a batch that repeats them (valid ones, faulty ones, rows that are
    not dicts, a file's mapped rows) gets what it gets alone: the values the field-by-field
    check (``check_attendance``) gives, or None where that check must name faults or read
    a value that is not text (a date)."""
    batch: list[object] = [{**ROW, **changes} for changes in VARIANTS] * 2
    batch += [["not", "a", "dict"], None, {k: v for k, v in ROW.items() if k != "hours"}]
    # A file's rows, mapped: the same fields as a tuple in the format's order.
    mapped = [tuple(row[name] for name in FIELDS["attendance"]) for row in batch
              if isinstance(row, dict) and len(row) == len(FIELDS["attendance"])]
    assert plain_attendance(mapped) == [plain_attendance([fields_of("attendance", row)])[0]
                                        for row in mapped]
    assert any(plain_attendance(mapped))
    for row, plain in zip(batch, plain_attendance(batch), strict=True):
        assert plain == plain_attendance([row])[0], row
        full = check_attendance(1, row)
        # Every row the full check takes goes the quick way, but those holding a date or
        # a number where the format has text (the full check reads them).
        text_only = isinstance(row, dict) and all(isinstance(row[name], str) for name in (
            "source_course_key", "teacher_id", "teacher_name", "school_code", "completed_on"))
        assert plain == (full if isinstance(full, Attendance) and text_only else None), row


def test_an_attendance_digest_is_the_sha256_of_its_values_json() -> None:
    """What is kept must compare equal to what was kept before the digest was written
    by hand: the first 32 hex digits of the SHA-256 of ``json.dumps`` of the values."""
    import hashlib
    import json
    for name in ("林老師", 'say "hi"\\', "tab\there\n", "é\u2028"):
        for hours, kept, day, school in (("2.5", "2.5", "2013-03-02", "313502"),
                                         ("6", "6.0", "2014-12-31", "A1B2C3"),
                                         ("2.5", "2.5", "2013-03-02", "313502")):  # again
            checked = check_attendance(1, {**ROW, "teacher_name": name, "hours": hours,
                                           "completed_on": day, "school_code": school})
            assert isinstance(checked, Attendance)
            values = ["0b1e5a1c-0000-4000-8000-000000000001", checked.teacher_name, school,
                      kept, day]
            expected = hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()
                                      ).hexdigest()[:32]
            assert checked.digest(values[0]) == expected


def test_hours_written_3_and_3_0_give_the_digests_of_their_own_texts() -> None:
    """The digest's end (school, hours, day) is made once per distinct three: 3 and 3.0
    are one number but two texts, and each row keeps the digest of its own."""
    import hashlib
    import json
    from datetime import date
    from decimal import Decimal
    for hours, text in ((Decimal("3"), "3"), (Decimal("3.0"), "3.0"), (Decimal("3"), "3")):
        row = Attendance("C-1", "", "教師", "313502", hours, date(2013, 3, 2))
        expected = hashlib.sha256(json.dumps(["acct", "教師", "313502", text, "2013-03-02"],
                                             ensure_ascii=False).encode()).hexdigest()[:32]
        assert row.digest("acct") == expected, text


def _by_the_rule(number: str) -> bool:
    """The check digit's rule read digit by digit, as the accounts service states it."""
    codes = {letter: code for code, letter in enumerate("ABCDEFGHJKLMNPQRSTUVXYWZIO", 10)}
    if len(number) != 10 or number[0] not in codes or not number[2:].isascii() \
            or not number[2:].isdigit():
        return False
    if number[1] in "1289":
        second = int(number[1])
    elif number[1] in "ABCD":
        second = codes[number[1]] % 10
    else:
        return False
    code = codes[number[0]]
    total = code // 10 + code % 10 * 9 + second * 8 + sum(
        int(digit) * weight for digit, weight in zip(number[2:], (7, 6, 5, 4, 3, 2, 1, 1),
                                                    strict=True))
    return total % 10 == 0


def test_the_check_digit_is_the_rule_for_every_letter_and_second_character() -> None:
    """``normalised`` reads the sum from tables; here the rule, digit by digit, judges
    every first letter and second character with tails of every check digit, and the
    same numbers typed otherwise or broken."""
    rng = random.Random(12)
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        for second in "0123456789ABCDEZ":
            for _ in range(6):
                body = letter + second + "".join(rng.choice("0123456789") for _ in range(7))
                for check in "0123456789":
                    number = body + check
                    expected = number if _by_the_rule(number) else None
                    assert normalised(number) == expected, number
                    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
                    assert normalised(f" {full_width.lower()} ") == expected, number
                    for broken in (number[:-1], number + "0", number[:5] + "x" + number[6:],
                                   number[:6] + "٣" + number[7:]):
                        assert normalised(broken) is None, broken
    assert {normalised(value) for value in (None, 1234567890, b"A123456789", "")} == {None}
