"""The course form's fields to the API's body and back (R-CRS-1): what was typed is kept
as typed, so a refused form shows it again with the API's notes beside each field."""
from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from web.api import Answer
from web.dates import from_local_input, to_local_input
from web.messages import field_errors, nested_field_errors, said

MEETING_ROWS = 5
MAX_MEETINGS = 100  # as many as the API takes
MORE_MEETING_ROWS = 5
# A meeting's field in the API's errors, and the form's input of it (with its row after).
MEETING_FIELDS = {"date": "meeting_date", "starts_at": "meeting_start", "ends_at": "meeting_end"}
MEETING_ENDS_TOO_SOON = re.compile(r"^meeting (\d+) must end after it starts$")
TEXT_FIELDS = ("title", "class_type", "nature", "category", "subcategory", "subject",
               "time_slot", "hours", "place", "county_code", "capacity", "fairness",
               "enrolment_opens_at", "enrolment_closes_at", "series_id", "series_title")


def typed(form: MultiDict[str, str]) -> dict[str, Any]:
    """The form as the page shows it again."""
    values: dict[str, Any] = {name: form.get(name, "") for name in TEXT_FIELDS}
    values["audiences"] = form.getlist("audiences")
    values["tags"] = form.getlist("tags")
    values["lecturers"] = form.get("lecturers", "")
    values["organiser_accepts"] = form.get("organiser_accepts") == "on"
    values["series_one_session"] = form.get("series_one_session") == "on"
    rows = form.get("meeting_rows", "")
    count = min(int(rows), MAX_MEETINGS) if rows.isdigit() else MEETING_ROWS
    values["meetings"] = [{"date": form.get(f"meeting_date_{row}", ""),
                           "starts_at": form.get(f"meeting_start_{row}", ""),
                           "ends_at": form.get(f"meeting_end_{row}", "")}
                          for row in range(count)]
    return values


def body(values: dict[str, Any]) -> dict[str, Any]:
    """What the API is sent. Nothing is judged here: a wrong value goes as typed and the
    API's answer names the field."""
    sent: dict[str, Any] = {name: values[name].strip() for name in
                            ("title", "class_type", "nature", "category", "subcategory",
                             "subject", "time_slot", "place", "county_code", "fairness")}
    sent["hours"] = values["hours"].strip()
    capacity = values["capacity"].strip()
    sent["capacity"] = int(capacity) if capacity.isdigit() else capacity
    sent["audiences"] = values["audiences"]
    sent["tags"] = values["tags"]
    sent["lecturers"] = [line.strip() for line in values["lecturers"].splitlines() if line.strip()]
    sent["organiser_accepts"] = values["organiser_accepts"]
    sent["meetings"] = [meeting for meeting in values["meetings"] if any(meeting.values())]
    for name in ("enrolment_opens_at", "enrolment_closes_at"):
        sent[name] = from_local_input(values[name])
    if values["series_id"].strip():  # left out otherwise: an edit keeps the course's own
        sent["series_id"] = values["series_id"].strip()
    return sent


def new_series(values: dict[str, Any]) -> dict[str, Any] | None:
    """The series to make first, when a title for one was typed and none is chosen: the
    course is its first session (R-CRS-4: one session per teacher, if so ticked)."""
    if values["series_id"].strip() or not values["series_title"].strip():
        return None
    return {"title": values["series_title"].strip(),
            "one_session_per_teacher": values["series_one_session"]}


def with_more_meetings(values: dict[str, Any]) -> dict[str, Any]:
    """The form again with more blank meeting rows, as many as the API takes at most."""
    blank_rows = [{"date": "", "starts_at": "", "ends_at": ""}] * MORE_MEETING_ROWS
    return {**values, "meetings": (values["meetings"] + blank_rows)[:MAX_MEETINGS]}


def next_session(course: dict[str, Any]) -> dict[str, Any]:
    """A new course from another, to register its next session: every field as it is, in
    the same series, the days left to fill."""
    values = from_course(course)
    values["meetings"] = [{"date": "", "starts_at": meeting["starts_at"],
                           "ends_at": meeting["ends_at"]} for meeting in values["meetings"]]
    return values


def from_course(course: dict[str, Any]) -> dict[str, Any]:
    """A course from the API as the form shows it, to edit."""
    values: dict[str, Any] = {name: str(course.get(name) or "") for name in TEXT_FIELDS}
    for name in ("enrolment_opens_at", "enrolment_closes_at"):
        if course.get(name):
            values[name] = to_local_input(course[name])
    capacity = course.get("capacity")
    values["capacity"] = "" if capacity is None else str(capacity)
    values["audiences"] = list(course.get("audiences") or [])
    values["tags"] = list(course.get("tags") or [])
    values["lecturers"] = "\n".join(course.get("lecturers") or [])
    values["organiser_accepts"] = bool(course.get("organiser_accepts"))
    series = course.get("series") or {}
    values["series_id"] = str(series.get("id") or "")
    values["series_title"] = str(series.get("title") or "")
    values["series_one_session"] = bool(series.get("one_session_per_teacher"))
    meetings = [{"date": m.get("date", ""), "starts_at": (m.get("starts_at") or "")[:5],
                 "ends_at": (m.get("ends_at") or "")[:5]} for m in course.get("meetings") or []]
    values["meetings"] = (meetings + [{"date": "", "starts_at": "", "ends_at": ""}] * MEETING_ROWS
                          )[:max(MEETING_ROWS, len(meetings))]
    return values


def blank() -> dict[str, Any]:
    return typed(MultiDict({"fairness": "first_come"}))


def refusal(answer: Answer, values: dict[str, Any]) -> dict[str, str]:
    """The API's notes beside the form's fields; a meeting's beside its row's field. The
    API counts the meetings sent, blank rows left out, so its n-th is found among the rows
    that were filled."""
    errors = field_errors(answer)
    body = answer.body if isinstance(answer.body, dict) else {}
    raw = (body.get("errors") or {}).get("meetings")
    if raw is None:
        return errors
    filled = [row for row, meeting in enumerate(values["meetings"]) if any(meeting.values())]
    errors.pop("meetings", None)
    general: list[str] = []
    if isinstance(raw, dict):  # each meeting's fields checked: {"0": {"date": [...]}}
        for name, text in nested_field_errors(answer).items():
            parts = name.split("-")
            if parts[0] != "meetings":
                continue
            if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(filled) \
                    and parts[2] in MEETING_FIELDS:
                errors[f"{MEETING_FIELDS[parts[2]]}_{filled[int(parts[1])]}"] = text
            else:
                general.append(text)
    else:  # the course's rules: a list of messages
        for message in raw if isinstance(raw, list) else [raw]:
            too_soon = MEETING_ENDS_TOO_SOON.match(str(message))
            if too_soon and 0 < int(too_soon.group(1)) <= len(filled):
                errors[f"meeting_end_{filled[int(too_soon.group(1)) - 1]}"] = said(str(message))
            else:
                general.append(said(str(message)))
    if general:
        errors["meetings"] = " ".join(general)
    return errors
