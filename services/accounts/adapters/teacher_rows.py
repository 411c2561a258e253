"""One row of teacher data, as a county sends it (file or JSON), checked field by field
into a ``TeacherRow`` or rejected with a reason. The same rules for every source, so a row
means the same in a CSV, an XLSX and a JSON batch.

The e-mail rule is marshmallow's, the one the event contract applies: a row we accept
can never make an event the other services refuse."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError, validate

from services.accounts.domain import national_id
from services.accounts.domain.accounts import MAX_DISPLAY_NAME
from services.accounts.domain.teachers import (
    INVALID_DATE,
    INVALID_EMAIL,
    INVALID_NAME,
    INVALID_NATIONAL_ID,
    INVALID_SCHOOL_CODE,
    RowRejected,
    TeacherRow,
)
from services.accounts.domain.units import UNIT_CODE

FIELDS = ("national_id", "name", "school_code", "email", "since")
REQUIRED = ("national_id", "name", "school_code")
SCHOOL_CODE_DIGITS = 6  # 學校代碼: six digits; a spreadsheet may have made it a number
_EMAIL = validate.Email()
# Plain ASCII addresses, a strict subset of what marshmallow's rule accepts (the same
# domain labels, a narrower local part): these skip the full rule, everything else meets it.
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z0-9-]{1,62}[A-Za-z0-9]\Z")
_ROC_OR_ISO = re.compile(r"^(\d{2,4})[-/.](\d{1,2})[-/.](\d{1,2})$")


def check_row(number: int, raw: Mapping[str, Any]) -> TeacherRow:
    """Raises RowRejected. ``raw`` maps field names to what the source held.

    Runs for every row of a file (100,000 or more): text cells, what CSV and JSON hold,
    take short paths (``_text`` would strip them all the same)."""
    identity = national_id_key(raw)
    try:
        national_id.kind_of(identity)
    except national_id.InvalidNationalId as error:
        raise RowRejected(INVALID_NATIONAL_ID, f"the national ID {error.reason}") from None
    value = raw.get("name")
    name = " ".join((value if value.__class__ is str else _text(value)).split())
    if not name or len(name) > MAX_DISPLAY_NAME:
        raise RowRejected(INVALID_NAME, f"a name of 1–{MAX_DISPLAY_NAME} characters is required")
    return TeacherRow(number, identity, name, _school_code(raw.get("school_code")),
                      _email(raw.get("email")), _since(raw.get("since")))


def national_id_key(raw: Mapping[str, Any]) -> str:
    """The row's national ID as ``check_row`` reads it, before its shape is checked: two
    valid rows are the same person exactly when their keys are equal."""
    return national_id.normalise(_cell(raw.get("national_id")))


def lookup_keys(raws: Iterable[Mapping[str, Any]]) -> tuple[list[str], set[str]]:
    """In one pass, read as ``check_row`` reads them: each row's national-ID key, and the
    school codes it would accept (it rejects the rest), for the import to look up every
    known teacher and school before it checks and writes any row."""
    keys, codes = [], set()
    for raw in raws:
        keys.append(national_id_key(raw))
        try:
            codes.add(_school_code(raw.get("school_code")))
        except RowRejected:
            continue
    return keys, codes


def _cell(value: Any) -> str:
    """A cell as stripped text; text cells, what CSV and JSON hold, take the short path."""
    return value.strip() if value.__class__ is str else _text(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _school_code(value: Any) -> str:
    if value.__class__ is str:
        code = value.strip()
    else:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            code = str(value).zfill(SCHOOL_CODE_DIGITS)
        else:
            code = _text(value)
    if not UNIT_CODE.match(code):
        raise RowRejected(INVALID_SCHOOL_CODE, "a school code of 1–32 letters, digits, - or _ "
                                               "is required")
    return code


def _email(value: Any) -> str | None:
    text = _cell(value)
    if not text:
        return None
    if not _PLAIN_EMAIL.match(text):
        try:
            _EMAIL(text)
        except ValidationError:
            raise RowRejected(INVALID_EMAIL, "the e-mail address is not valid") from None
    if len(text) > 254:
        raise RowRejected(INVALID_EMAIL, "the e-mail address is longer than 254 characters")
    return text


def _since(value: Any) -> date | None:
    """ISO (2017-08-01), slashes (2017/08/01) or the ROC calendar (106/08/01)."""
    if value.__class__ is str and len(value) == 10 and value[4] == "-":
        try:
            return date.fromisoformat(value)  # the usual case, fast (spaces around fail)
        except ValueError:
            pass
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)  # the usual case, fast
        except ValueError:
            pass
    match = _ROC_OR_ISO.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        if year < 1000:
            year += 1911
        try:
            return date(year, month, day)
        except ValueError:
            pass
    raise RowRejected(INVALID_DATE, "the date must look like 2017-08-01 or 106/08/01")
