"""Routes of the calendars (RFC 5545): a published course's meetings as ``.ics``, and each
teacher's courses at a secret address the teacher resets; calendar apps read both without
signing in (services/courses/domain/calendars.py)."""
from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import Schema, fields

from servicekit.api import PUBLIC, roles
from servicekit.tokens import Principal
from services.courses.api import api
from services.courses.handlers import calendars
from services.courses.routes.base import components, path_id, runtime

MEDIA_TYPE = "text/calendar"


class CalendarAddressSchema(Schema):
    url = fields.String(metadata={"description": "the calendar's secret address, shown once"})
    created_at = fields.AwareDateTime()


def _public_url() -> str:
    return runtime().settings.token_issuer.rstrip("/")


def _ics(document: bytes, filename: str, private: bool) -> Response:
    response = Response(document, mimetype=MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    # A teacher's calendar is theirs alone: no shared cache keeps it, nor the address.
    response.headers["Cache-Control"] = "private, no-store" if private else "public, max-age=300"
    if private:
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


@api.route("/<course_id>/calendar.ics", "GET", allow=PUBLIC,
           summary="A published course's meetings as an iCalendar file (RFC 5545)")
def course_calendar(principal: Principal | None, course_id: str) -> Any:
    course = path_id(course_id, "course")
    return _ics(calendars.course_calendar(components().uow(), course, _public_url()),
                f"{course}.ics", private=False)


@api.route("/calendar-token", "POST", allow=roles("teacher"), response=CalendarAddressSchema,
           status=201, summary="A new secret address for the teacher's own calendar; the "
                               "earlier one stops answering (shown once)")
def reset_calendar_token(principal: Principal) -> Any:
    return calendars.reset_token(components().uow(), runtime().clock, principal.subject,
                                 _public_url())


@api.route("/calendars/<token>.ics", "GET", allow=PUBLIC,
           summary="A teacher's courses as an iCalendar feed; the secret address is the key")
def teacher_calendar(principal: Principal | None, token: str) -> Any:
    return _ics(calendars.teacher_calendar(components().uow(), token, _public_url()),
                "courses.ics", private=True)
