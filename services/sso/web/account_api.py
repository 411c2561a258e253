"""One's own account (who the token says you are, changing one's password) and an
account's first password, mailed as a one-time link by an operator."""
from __future__ import annotations

from flask import Response
from marshmallow import Schema, fields, validate

from contracts.vocabulary import ROLES
from servicekit.api import roles
from services.sso.api import api
from services.sso.handlers import credentials, password_setup
from services.sso.web.browser import who
from services.sso.web.current import current_dependencies

OPERATORS = roles("operator", "admin")
EVERYONE = roles(*ROLES)


class SetupSent(Schema):
    sent_to = fields.String()


@api.route("/accounts/<account_id>/password-setup", "POST", allow=OPERATORS,
           summary="E-mail an account a one-time link to set its password (the link is never "
                   "shown here)", response=SetupSent)
def send_password_setup(principal, account_id):
    sso = current_dependencies()
    return {"sent_to": password_setup.send_setup_link(sso.unit_of_work(), sso.mailing, account_id,
                                                      principal.subject)}


# -- one's own account ------------------------------------------------------------------------
class MeSchema(Schema):
    subject = fields.String()
    roles = fields.List(fields.String())
    unit = fields.String(allow_none=True)
    authority = fields.String(allow_none=True)
    client_id = fields.String(allow_none=True)


class PasswordChange(Schema):
    current_password = fields.String(required=True, load_only=True,
                                     validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, load_only=True,
                                 validate=validate.Length(min=1, max=256))


@api.route("/me", "GET", allow=EVERYONE, summary="Who the access token says you are",
           response=MeSchema)
def me(principal):
    return {"subject": principal.subject, "roles": sorted(principal.roles),
            "unit": principal.unit, "authority": principal.authority,
            "client_id": principal.client_id}


@api.route("/me/password", "POST", allow=EVERYONE, summary="Change your own platform password",
           body=PasswordChange, status=204)
def change_password(principal, body):
    # The token's grant is the sign-in that asked: it (and its browser session) stays.
    grant_id = principal.claims.get("gid")
    sso = current_dependencies()
    credentials.change_password(sso.unit_of_work(), sso.checking, sso.sign_out, principal.subject,
                                body["current_password"], body["new_password"], who(),
                                grant_id=grant_id if isinstance(grant_id, str) else None)
    return Response(status=204)
