"""County connectors (operators) and the matching of county sign-ins to teachers
(the county's reviewers, operators) (R-SSO-4)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from contracts.vocabulary import COUNTIES
from servicekit.api import roles
from servicekit.problems import Problem
from servicekit.schemas import INT_MAX
from services.sso.api import api
from services.sso.handlers import county_connectors, county_links, county_unlinks
from services.sso.web.current import current_sso

OPERATORS = roles("operator", "admin")


class ConnectorBody(Schema):
    mode = fields.String(required=True, validate=validate.OneOf(("web_service", "oidc")))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    config = fields.Dict(keys=fields.String(), required=True)
    secret = fields.String(load_default=None, load_only=True, validate=validate.Length(max=500))
    enabled = fields.Boolean(load_default=True)


class ConnectorSchema(Schema):
    county_code = fields.String()
    mode = fields.String()
    display_name = fields.String()
    config = fields.Dict()
    enabled = fields.Boolean()


@api.route("/counties/<county_code>/connector", "PUT", allow=OPERATORS,
           summary="How a county's teachers roam in: its web service or its own sign-on",
           body=ConnectorBody, response=ConnectorSchema)
def configure_connector(principal, county_code, body):  # type: ignore[no-untyped-def]
    if county_code not in COUNTIES:
        raise Problem(404, "not-found", "Not found", f"no county {county_code}")
    return county_connectors.configure(current_sso(), county_code, body["mode"],
                                       body["display_name"],
                             body["config"], body["secret"], body["enabled"])


@api.route("/counties/connectors", "GET", allow=OPERATORS, summary="Every county connector",
           response=ConnectorSchema, many=True)
def list_connectors(principal):  # type: ignore[no-untyped-def]
    return county_connectors.connectors(current_sso(), enabled_only=False)


class LinkRequestSchema(Schema):
    arrival_id = fields.String()
    county_code = fields.String()
    method = fields.String()
    profile = fields.Dict()
    created_at = fields.AwareDateTime()


class LinkQuery(Schema):
    county = fields.String(load_default=None, validate=validate.OneOf(tuple(COUNTIES)))


class LinkApproval(Schema):
    account_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


REVIEWERS = roles("reviewer", "operator", "admin")


@api.route("/county-links/requests", "GET", allow=REVIEWERS,
           summary="County sign-ins waiting to be matched to a teacher (a reviewer sees their "
                   "county's)", query=LinkQuery, response=LinkRequestSchema, many=True)
def link_requests(principal, query):  # type: ignore[no-untyped-def]
    if not principal.has_any_role("operator", "admin") and principal.authority is None:
        return []  # a reviewer token without an authority reviews for nobody
    return county_links.link_requests(current_sso(), principal, query["county"])


@api.route("/county-links/requests/<arrival_id>/approve", "POST", allow=REVIEWERS,
           summary="Match a county sign-in to a teacher of that county (made once)",
           body=LinkApproval)
def approve_link(principal, arrival_id, body):  # type: ignore[no-untyped-def]
    return county_links.approve_link(current_sso(), principal, arrival_id, body["account_id"])


@api.route("/county-links/requests/<arrival_id>/reject", "POST", allow=REVIEWERS,
           summary="Refuse to match a county sign-in")
def reject_link(principal, arrival_id):  # type: ignore[no-untyped-def]
    county_links.reject_link(current_sso(), principal, arrival_id)
    return {"arrival_id": arrival_id, "status": "rejected"}


class CountyLinkSchema(Schema):
    link_id = fields.Integer()
    county_code = fields.String()
    linked_at = fields.AwareDateTime()
    linked_by = fields.String()


class UnlinkBody(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=5, max=500))


class UnlinkedSchema(Schema):
    link_id = fields.Integer()
    county_code = fields.String()
    account_id = fields.String()
    unlinked_at = fields.AwareDateTime()


LINK_HOLDERS = roles("teacher", "reviewer", "operator", "admin")


@api.route("/accounts/<account_id>/county-links", "GET", allow=LINK_HOLDERS,
           summary="A teacher's county links (the teacher, the county's reviewers, operators)",
           response=CountyLinkSchema, many=True)
def county_links_of(principal, account_id):  # type: ignore[no-untyped-def]
    return county_unlinks.links_of(current_sso(), principal, account_id)


@api.route("/county-links/<link_id>/unlinking", "POST", allow=LINK_HOLDERS,
           summary="Undo a county link, with a reason; the teacher's sessions end",
           body=UnlinkBody, response=UnlinkedSchema)
def unlink(principal, link_id, body):  # type: ignore[no-untyped-def]
    # A plain string in the route: a typed converter would answer before the token is checked.
    # ASCII digits only ("²" is a digit to str.isdigit), and no wider than the id column.
    if not (link_id.isascii() and link_id.isdigit() and len(link_id) <= 10
            and int(link_id) <= INT_MAX):
        raise Problem(404, "not-found", "Not found", f"no county link {link_id}")
    return county_unlinks.unlink(current_sso(), principal, int(link_id), body["reason"])
