"""County connectors (operators), the matching of county sign-ins to teachers (the
county's reviewers, operators: a proposal) and the teacher's confirmation of a proposal
with their platform password (R-SSO-4)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from contracts.vocabulary import COUNTIES
from servicekit.api import roles
from servicekit.errors import NotFound
from servicekit.schemas import INT_MAX
from services.sso.api import api
from services.sso.handlers import county_connectors, county_links, county_unlinks
from services.sso.web.browser import who
from services.sso.web.current import current_dependencies

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
def configure_connector(principal, county_code, body):
    if county_code not in COUNTIES:
        raise NotFound(f"no county {county_code}")
    sso = current_dependencies()
    return county_connectors.configure(sso.unit_of_work(), sso.clock, sso.sealer, county_code,
                                       body["mode"], body["display_name"], body["config"],
                                       body["secret"], body["enabled"])


@api.route("/counties/connectors", "GET", allow=OPERATORS, summary="Every county connector",
           response=ConnectorSchema, many=True)
def list_connectors(principal):
    return county_connectors.connectors(current_dependencies().unit_of_work(), enabled_only=False)


class LinkRequestSchema(Schema):
    arrival_id = fields.String()
    county_code = fields.String()
    method = fields.String()
    profile = fields.Dict()
    created_at = fields.AwareDateTime()
    status = fields.String()  # pending (to match), proposed (waiting for the teacher)
    proposed_account_id = fields.String(allow_none=True)
    proposed_by = fields.String(allow_none=True)


class LinkProposalSchema(Schema):
    arrival_id = fields.String()
    account_id = fields.String()
    county_code = fields.String()
    status = fields.String()


class LinkQuery(Schema):
    county = fields.String(load_default=None, validate=validate.OneOf(tuple(COUNTIES)))


class LinkApproval(Schema):
    account_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


REVIEWERS = roles("reviewer", "operator", "admin")


@api.route("/county-links/requests", "GET", allow=REVIEWERS,
           summary="County sign-ins waiting to be matched to a teacher (a reviewer sees their "
                   "county's)", query=LinkQuery, response=LinkRequestSchema, many=True)
def link_requests(principal, query):
    if not principal.has_any_role("operator", "admin") and principal.authority is None:
        return []  # a reviewer token without an authority reviews for nobody
    sso = current_dependencies()
    return county_links.link_requests(sso.unit_of_work(), sso.clock, principal, query["county"])


@api.route("/county-links/requests/<arrival_id>/approve", "POST", allow=REVIEWERS,
           summary="Propose a teacher of that county for a county sign-in (once); the link "
                   "takes effect only when the teacher confirms it with their platform password",
           body=LinkApproval, response=LinkProposalSchema)
def approve_link(principal, arrival_id, body):
    sso = current_dependencies()
    return county_links.propose_link(sso.unit_of_work(), sso.clock, principal, arrival_id,
                                     body["account_id"])


@api.route("/county-links/requests/<arrival_id>/reject", "POST", allow=REVIEWERS,
           summary="Refuse to match a county sign-in")
def reject_link(principal, arrival_id):
    county_links.reject_link(current_dependencies().unit_of_work(), principal, arrival_id)
    return {"arrival_id": arrival_id, "status": "rejected"}


class ProposalSchema(Schema):
    arrival_id = fields.String()
    county_code = fields.String()
    profile = fields.Dict()
    proposed_at = fields.AwareDateTime()


class ProposalConfirmation(Schema):
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=256))


TEACHERS = roles("teacher")


@api.route("/me/county-link-proposals", "GET", allow=TEACHERS,
           summary="County identities a reviewer proposed to link to you, waiting for your "
                   "password", response=ProposalSchema, many=True)
def my_link_proposals(principal):
    sso = current_dependencies()
    return county_links.proposals_for(sso.unit_of_work(), sso.clock, principal.subject)


@api.route("/me/county-link-proposals/<arrival_id>/confirmation", "POST", allow=TEACHERS,
           summary="Confirm a proposed county link with your platform password (counted like a "
                   "sign-in attempt: 403 wrong-password, 429 locked)",
           body=ProposalConfirmation, response=LinkProposalSchema)
def confirm_link_proposal(principal, arrival_id, body):
    sso = current_dependencies()
    return county_links.confirm_proposal(sso.unit_of_work(), sso.checking, principal, arrival_id,
                                         body["password"], who())  # Locked: 429, Retry-After


class CountyLinkSchema(Schema):
    link_id = fields.Integer()
    county_code = fields.String()
    linked_at = fields.AwareDateTime()
    linked_by = fields.String()  # how the teacher confirmed it with their password
    proposed_by = fields.String(allow_none=True)  # the reviewer whose match it was, if any


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
def county_links_of(principal, account_id):
    return county_unlinks.links_of(current_dependencies().unit_of_work(), principal, account_id)


@api.route("/county-links/<link_id>/unlinking", "POST", allow=LINK_HOLDERS,
           summary="Undo a county link, with a reason; the teacher's sessions end",
           body=UnlinkBody, response=UnlinkedSchema)
def unlink(principal, link_id, body):
    # A plain string in the route: a typed converter would answer before the token is checked.
    # ASCII digits only ("²" is a digit to str.isdigit), and no wider than the id column.
    if not (link_id.isascii() and link_id.isdigit() and len(link_id) <= 10
            and int(link_id) <= INT_MAX):
        raise NotFound(f"no county link {link_id}")
    sso = current_dependencies()
    return county_unlinks.unlink(sso.unit_of_work(), sso.clock, sso.sign_out, principal, int(link_id),
                                 body["reason"])
