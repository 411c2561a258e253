"""Operations: maintenance notices (R-SSO-6; the feed is public) and signing-key rotation."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from servicekit.api import PUBLIC, roles
from servicekit.schemas import bounded_moment
from services.sso.api import api
from services.sso.handlers import notices
from services.sso.web.current import current_dependencies

OPERATORS = roles("operator", "admin")


class NoticeBody(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    starts_at = bounded_moment(required=True)
    ends_at = bounded_moment(required=True)


class DeliverySchema(Schema):
    client_id = fields.String()
    recipients = fields.List(fields.String())
    sent_at = fields.AwareDateTime(allow_none=True)
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)


class NoticeFeedSchema(Schema):
    notice_id = fields.String()
    title = fields.String()
    body = fields.String()
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    published_at = fields.AwareDateTime()


class NoticeSchema(NoticeFeedSchema):
    deliveries = fields.List(fields.Nested(DeliverySchema))


@api.route("/notices", "POST", allow=OPERATORS,
           summary="Announce a planned outage: news feed, and e-mail to every enabled partner",
           body=NoticeBody, response=NoticeSchema, status=201)
def announce_notice(principal, body):
    sso = current_dependencies()
    return notices.announce(sso.unit_of_work(), sso.clock, sso.mailer, body["title"], body["body"],
                            body["starts_at"], body["ends_at"], principal.subject)


@api.route("/notices", "GET", allow=PUBLIC, summary="News feed of maintenance notices",
           response=NoticeFeedSchema, many=True)
def notice_feed(principal):
    sso = current_dependencies()
    return notices.feed(sso.unit_of_work(), sso.clock)


@api.route("/notices/<notice_id>", "GET", allow=OPERATORS,
           summary="A notice with its e-mail deliveries", response=NoticeSchema)
def get_notice(principal, notice_id):
    return notices.notice(current_dependencies().unit_of_work(), notice_id)


class RotationSchema(Schema):
    promoted = fields.String(allow_none=True)
    waiting_seconds = fields.Integer()
    removed = fields.List(fields.String())


@api.route("/keys/rotate", "POST", allow=OPERATORS,
           summary="Rotate signing keys: the published next key starts signing once it has "
                   "been published long enough", response=RotationSchema)
def rotate_keys(principal):
    return current_dependencies().keys.rotate()
