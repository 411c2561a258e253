"""The API's answers in the person's language: problem types, enrolment states and field
errors. The API speaks English and names things by stable codes; the pages say them in
zh-TW or English through the catalogue, never showing a code a person cannot read."""
from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from web import dates
from web.api import Answer
from web.i18n import current_language

ENROLMENT_STATES = {
    "enrolled": _l("Enrolled"),
    "pending": _l("Pending the organiser's acceptance"),
    "waitlisted": _l("On the waiting list"),
    "applied": _l("Applied to the lottery"),
    "declined": _l("Declined by the organiser"),
    "cancelled": _l("Cancelled"),
    "not_drawn": _l("Not drawn in the lottery"),
}
# A seat in a lottery course came by the draw: the teacher's list says so.
DRAWN_STATES = {
    "enrolled": _l("Drawn in the lottery: enrolled"),
    "pending": _l("Drawn in the lottery: pending the organiser's acceptance"),
}


def enrolment_state(enrolment: dict[str, Any]) -> str:
    """An enrolment's state as the teacher's list says it (R-CRS-4): in a lottery course an
    application waits for the draw at the window's close, and a seat after the draw was
    drawn; not drawn is a state of its own."""
    status = str(enrolment.get("status") or "")
    if enrolment.get("fairness") == "lottery":
        if status == "applied" and not enrolment.get("drawn_at") and enrolment.get("closes_at"):
            return _("Applied to the lottery, drawn at %(moment)s",
                     moment=dates.moment(enrolment["closes_at"], current_language()))
        if status in DRAWN_STATES and enrolment.get("drawn_at"):
            return str(DRAWN_STATES[status])
    return str(ENROLMENT_STATES.get(status, status))

COURSE_STATES = {
    "draft": _l("Draft"), "submitted": _l("Submitted for review"),
    "returned": _l("Returned for changes"), "approved": _l("Approved"),
    "attendance_submitted": _l("Attendee list sent"),
    "attendance_returned": _l("Attendee list returned"), "closed": _l("Closed"),
}

PROBLEMS = {
    "course-full": _l("The course is full: no seat and no place on the waiting list is left."),
    "enrolment-closed": _l("Enrolment for this course is not open now."),
    "already-enrolled": _l("You have already enrolled in this course."),
    "duplicate-session": _l("You already hold another session of this series."),
    "course-started": _l("The course has started: an enrolment can no longer be cancelled."),
    "no-enrolment": _l("You hold no place in this course: nothing to cancel."),
    "not-pending": _l("This enrolment is not waiting for a decision any more."),
    "not-found": _l("This course cannot be found."),
    "course-changed": _l("Someone changed this course meanwhile. Open it again and redo "
                         "your change."),
    "course-not-editable": _l("This course can no longer be edited."),
    "course-locked": _l("This course is closed and can no longer be changed."),
    "course-not-submittable": _l("This course cannot be submitted in its present state."),
    "submission-too-late": _l("It is too late to submit this course: submit it at least a "
                              "week before its first meeting."),
    "unit-light-red": _l("Your unit's light is red: close overdue courses before "
                         "submitting new ones."),
    "no-reviewer": _l("No reviewer is assigned to your unit yet."),
    "unit-unknown": _l("Your unit is not known to the courses service yet; try again in a "
                       "minute."),
    "unit-not-found": _l("This unit cannot be found, or its records are not open to you."),
    "course-not-submitted": _l("This course is not waiting for a review."),
    "validation-failed": _l("Some fields were not accepted; see the notes beside them."),
    "attachment-type-refused": _l("This kind of file is not accepted."),
    "attachment-too-large": _l("The file is too large."),
    "course-not-ended": _l("The attendee list can be sent after the course's last day."),
    "attendance-not-open": _l("The attendee list cannot be sent for this course."),
    "not-enrolled": _l("Someone on the list did not enrol; mark them as a walk-in."),
    "duplicate-attendee": _l("A teacher is listed twice."),
    "invalid-hours": _l("Hours must be more than 0, with one decimal at most."),
    "hours-above-course": _l("Hours cannot be more than the course's hours."),
    "not-enrolled-in-course": _l("You are not enrolled in this course."),
    # planning (R-CRS-13)
    "plan-window-closed": _l("The planning window is closed: the plan can be read, not "
                             "changed."),
    "plan-changed": _l("Someone saved this plan meanwhile. Open it again and redo your "
                       "change."),
    "plan-incomplete": _l("The plan is not complete: see the notes beside the fields."),
    "plan-already-submitted": _l("The plan is submitted already."),
    "plan-not-found": _l("No such plan."),
    "not-a-school": _l("Only a school writes a school-based plan."),
    "no-unit": _l("Your account names no unit."),
    "no-authority": _l("Your account names no authority."),
    "other-authority": _l("You read only your own authority's schools' plans."),
    "teacher-without-school": _l("No school is known for your account yet, so your plan "
                                 "cannot be saved; ask your school."),
    # digital materials and distance courses (R-CRS-14)
    "not-teacher-education-university": _l("Only a teacher-education university submits "
                                           "digital materials and distance courses."),
    "case-not-found": _l("No such case."),
    "case-not-open": _l("This case's round is decided: it can no longer be changed."),
    "case-not-revisable": _l("This case was not sent back for revision."),
    "case-changed": _l("Someone changed this case meanwhile. Open it again and redo your "
                       "change."),
    "reviewer-already-scored": _l("This reviewer has scored already and cannot be "
                                  "replaced."),
    "reviewers-not-distinct": _l("The three reviewers must be three different accounts."),
    "not-assigned-reviewer": _l("You are not this case's reviewer in its current round."),
    "score-out-of-range": _l("A score is a whole number from 0 to 100."),
    # amendments after closing (R-CRS-6) and the meeting-name report (R-CRS-10)
    "course-not-closed": _l("Only a closed course is amended; change an open course "
                            "directly."),
    "no-changes": _l("Nothing to change: fill in at least one change."),
    "dates-out-of-order": _l("The last day is before the first day."),
    "not-an-attendee": _l("This teacher is not on the attendee list."),
    "walk-in-not-a-teacher": _l("A walk-in is not an enabled teacher account."),
    "no-approver": _l("No approver is set for your unit yet; ask the network's operators."),
    "amendment-not-found": _l("No such amendment."),
    "amendment-decided": _l("This amendment is decided already."),
    "reference-required": _l("An approval names the approving document's reference."),
    "reversed-range": _l("The period ends before it starts."),
    "period-too-long": _l("The period is at most 400 days."),
    "forbidden": _l("You may not do this."),
    # what the kit and the gateway may answer to any call
    "unstorable-text": _l("The form holds characters that cannot be stored; remove them "
                          "and send it again."),
    "payload-too-large": _l("What was sent is too large."),
    "rate-limited": _l("Too many requests just now; wait a minute and try again."),
    "service-unavailable": _l("The service is unavailable just now; try again in a few "
                              "minutes."),
    "dependency-unavailable": _l("The service is unavailable just now; try again in a few "
                                 "minutes."),
    "bad-gateway": _l("The service is unavailable just now; try again in a few minutes."),
    "gateway-timeout": _l("The service took too long to answer; try again in a few "
                          "minutes."),
    "internal-error": _l("Something went wrong on the platform; try again later."),
    # transfer sources and their files (R-TRF-1, 3, 5, 7)
    "unknown-step": _l("Choose one of the steps offered."),
    "step-already-recorded": _l("This step is recorded already."),
    "step-out-of-order": _l("This step comes later in the onboarding."),
    "source-archived": _l("This source is archived: nothing more is sent or changed."),
    "move-not-allowed": _l("A source moves one way only: this move is not open to it."),
    "steps-missing": _l("The new state needs steps that are not recorded yet."),
    "source-exists": _l("A source with this code exists already."),
    "source-changed": _l("Someone changed this source meanwhile. Open it again and redo "
                         "your change."),
    "source-closed": _l("This source is archived: nothing more is sent or changed."),
    "exception-exists": _l("This course has an exception already."),
    "invalid-mapping": _l("The mapping is not valid: see the notes beside the fields."),
    "file-required": _l("Choose a file."),
    "file-too-large": _l("The file is too large: a file is at most 50 MB."),
    "unsupported-file": _l("This kind of file is not accepted: send .xlsx, .xls, .xml, "
                           ".mdb or .accdb."),
    "not-this-kind-of-file": _l("The file is not what its name says."),
    "unsafe-archive": _l("The file is refused: it unpacks to far more than it holds."),
    "unsafe-xml": _l("The XML file is refused: it declares a DTD or entities."),
    "mapping-mismatch": _l("The file does not match the source's mapping:"),
    "report-unavailable": _l("The report is not ready, or was deleted after the retention "
                             "period."),
    "damaged-file": _l("The file is damaged and cannot be read."),
    "file-too-slow": _l("The Access file took too long to read; send the month as an Excel "
                        "or XML file."),
    "access-reader-missing": _l("Access files cannot be read here yet; send the month as "
                                "an Excel or XML file."),
    "month-not-closed": _l("The month has not ended yet."),
    "invalid-month": _l("A month is written as YYYY-MM."),
    "invalid-page": _l("This page of the list is not valid."),
}

# marshmallow's messages, as the API sends them per field.
FIELD_MESSAGES = {
    "Missing data for required field.": _l("Required."),
    "Not a valid date.": _l("Not a valid date."),
    "Not a valid time.": _l("Not a valid time."),
    "Not a valid datetime.": _l("Not a valid date and time."),
    "Not a valid integer.": _l("Not a whole number."),
    "Not a valid number.": _l("Not a number."),
    "Field may not be null.": _l("Required."),
    "Unknown field.": _l("This filter is not accepted."),
    "Not a valid URL.": _l("Not a web address (http or https)."),
    "Not a valid UUID.": _l("Not an account id."),
    "Shorter than minimum length 1.": _l("Required."),
    # planning (R-CRS-13) and the material review (R-CRS-14), as the courses service says them
    "more than 0, one decimal": _l("More than 0, with one decimal at most."),
    "more than 0 and at most 999.9": _l("More than 0 and at most 999.9."),
    "more than 0 and at most 999.9, one decimal": _l("More than 0 and at most 999.9, with one "
                                                     "decimal at most."),
    "0 or more, one decimal": _l("0 or more, with one decimal at most."),
    "whole NTD, 0 or more": _l("Whole dollars, 0 or more."),
    "a theme at most once": _l("Each theme once only."),
    "a tag at most once": _l("Each tag once only."),
    "not an active audience code": _l("This audience is no longer offered."),
    "at least one theme before submitting": _l("At least one theme, before submitting."),
    "at least one planned course before submitting": _l("At least one planned course, before "
                                                        "submitting."),
    "a submitted plan names each course's target": _l("Choose the audience of each course "
                                                      "before submitting."),
    "the hours planned per teacher, before submitting": _l("The hours planned per teacher, "
                                                           "before submitting."),
    "at least one goal or one planned course": _l("At least one goal or one planned course."),
    "one of the themes of the school's plan": _l("One of the plan's themes."),
    "one of the themes of the school's submitted plan; it has none yet": _l(
        "Your school's plan has no themes yet: leave the theme blank."),
    "a whole number from 0 to 100": _l("A whole number from 0 to 100."),
    # transfer sources (R-TRF-1, R-TRF-11), as the transfer service says them
    "2 to 32 lower-case letters, digits and dashes": _l(
        "2 to 32 lower-case letters, digits and dashes, starting with a letter or digit."),
    "a name of at most 200 characters": _l("A name of at most %(count)s characters.",
                                           count=200),
    "a six-character unit code": _l("A unit's six-character code."),
    "one of daily_push, monthly_file": _l("Choose one of the modes offered."),
    "Must be one of: daily_push, monthly_file.": _l("Choose one of the modes offered."),
    "an e-mail address": _l("An e-mail address, such as name@school.edu.tw."),
    "Not a valid email address.": _l("An e-mail address, such as name@school.edu.tw."),
    "Longer than maximum length 254.": _l("At most 254 characters."),
    "Must be greater than or equal to 0 and less than or equal to 2000000000.": _l(
        "A whole number, 0 or more."),
    "Must be greater than or equal to 0.": _l("0 or more."),
    "a decimal with at most one decimal place, below 10^10": _l(
        "0 or more, with one decimal at most."),
    # a course's rules (R-CRS-1), as the courses service says them
    "must not be blank": _l("Required."),
    "at least one audience level": _l("Choose at least one audience."),
    "an audience level is listed twice": _l("Each audience once only."),
    "a tag is listed twice": _l("Each tag once only."),
    "at least one lecturer, none blank": _l("At least one lecturer, no blank line."),
    "at least 1": _l("At least 1."),
    "at least one meeting": _l("At least one day."),
    "two meetings start at the same time": _l("Two days start at the same time."),
    "more than 0, with at most one decimal": _l("More than 0, with one decimal at most."),
    "must be after enrolment_opens_at": _l("After enrolment opens."),
    "must not be after the first meeting starts": _l("Not after the first day starts."),
    "no such series of this unit": _l("Not a series of your unit."),
}
# Messages that name a value after their start.
FIELD_MESSAGE_STARTS = {
    "a month of school year": _l("A month of this school year."),
    "not an active tag": _l("A policy tag that is no longer offered."),
    "unknown policy tag": _l("A policy tag that is no longer offered."),
    "unknown audience level": _l("This audience is no longer offered."),
    "unknown class type": _l("Not one of the choices offered."),
    "unknown nature": _l("Not one of the choices offered."),
    "unknown time slot": _l("Not one of the choices offered."),
    "unknown category": _l("Not one of the choices offered."),
    "one of first_come": _l("Not one of the choices offered."),
    "unknown county": _l("Not a county's code (three letters, such as TPE)."),
    "more than the meetings last": _l("More hours than the days last."),
}
# Messages that name values around their words.
FIELD_MESSAGE_PATTERNS = (
    (re.compile(r"^'.*' is not a sub-category of '.*'$"),
     _l("Not a sub-category of the category chosen.")),
    (re.compile(r"^'.*' is not a subject of '.*'$"),
     _l("Not a subject of the sub-category chosen.")),
    (re.compile(r"^meeting \d+ must end after it starts$"), _l("Ends after it starts.")),
)


def problem_text(answer: Answer) -> str:
    text = PROBLEMS.get(answer.problem_type)
    if text is not None:
        return str(text)
    return _("The platform did not accept this (%(kind)s).",
             kind=answer.problem_type or answer.status)


def nested_field_errors(answer: Answer) -> dict[str, str]:
    """Like ``field_errors``, for forms with rows: a row's field is named by its path with
    dashes (``courses-0-hours``), whether the API nests its errors (``{"courses": {"0":
    {"hours": [...]}}}``) or names them by dotted path (``courses.0.hours``)."""
    body = answer.body if isinstance(answer.body, dict) else {}
    flat: dict[str, str] = {}

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}-{key}" if prefix else str(key), inner)
            return
        messages = value if isinstance(value, list) else [value]
        texts = []
        for message in messages:
            if isinstance(message, dict):
                walk(prefix, message)
                continue
            texts.append(said(str(message)))
        if texts:
            flat[prefix] = "; ".join(texts)

    for name, value in (body.get("errors") or {}).items():
        walk(str(name).replace(".", "-"), value)
    return flat


def field_errors(answer: Answer) -> dict[str, str]:
    """Each field's error in the person's language; a message this table does not know is
    said generally, with the API's own words after it."""
    translated = {}
    for name, message in answer.field_errors().items():
        translated[name] = said(message)
    return translated


def said(message: str) -> str:
    """One of the API's messages about a field, in the person's language."""
    known = FIELD_MESSAGES.get(message)
    if known is None:
        known = next((text for start, text in FIELD_MESSAGE_STARTS.items()
                      if message.startswith(start)), None)
    if known is None:
        known = next((text for pattern, text in FIELD_MESSAGE_PATTERNS
                      if pattern.match(message)), None)
    return str(known) if known else _("Not accepted: %(detail)s", detail=message)
