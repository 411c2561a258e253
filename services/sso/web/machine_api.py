"""Machine clients of the transfer service's sources (R-TRF-1, R-TRF-8): operators
register one per source, set a handover and disable it (``/api/sso/machine-clients…``)."""
from __future__ import annotations

from dataclasses import asdict

from marshmallow import Schema, fields, validate

from servicekit.api import roles
from services.sso.api import api
from services.sso.web.current import current_dependencies

OPERATORS = roles("operator", "admin")
MAINTAINER = validate.Length(min=1, max=200)


class Registration(Schema):
    source = fields.String(required=True, validate=validate.Length(min=2, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    maintainer = fields.String(required=True, validate=MAINTAINER)


class Handover(Schema):
    at = fields.AwareDateTime(required=True)
    maintainer = fields.String(required=True, validate=MAINTAINER)


class SecretSpan(Schema):
    maintainer = fields.String()
    valid_from = fields.AwareDateTime()
    valid_until = fields.AwareDateTime(allow_none=True)
    issued_at = fields.AwareDateTime()
    issued_by = fields.String()


class MachineClientSchema(Schema):
    client_id = fields.String()
    source = fields.String()
    name = fields.String()
    status = fields.String()
    secrets = fields.List(fields.Nested(SecretSpan))
    client_secret = fields.String(dump_only=True)  # only in the answer that makes it


class HandoverAnswer(Schema):
    client_id = fields.String()
    valid_from = fields.AwareDateTime()
    client_secret = fields.String()


@api.route("/machine-clients", "POST", allow=OPERATORS, body=Registration,
           response=MachineClientSchema, status=201,
           summary="A source's machine client (client credentials, transfer scope only); "
                   "its secret is shown once")
def register_machine_client(principal, body):
    client, secret = current_dependencies().machine_clients.register(
        body["source"], body["name"], body["maintainer"], principal.subject)
    return {**asdict(client), "client_secret": secret}


@api.route("/machine-clients", "GET", allow=OPERATORS, response=MachineClientSchema,
           many=True, summary="Every machine client")
def list_machine_clients(principal):
    return [asdict(client) for client in current_dependencies().machine_clients.all()]


@api.route("/machine-clients/<client_id>", "GET", allow=OPERATORS,
           response=MachineClientSchema,
           summary="A machine client and the span of each of its secrets (never a secret)")
def get_machine_client(principal, client_id):
    client, secrets = current_dependencies().machine_clients.find(client_id)
    return {**asdict(client), "secrets": secrets}


@api.route("/machine-clients/<client_id>/handover", "POST", allow=OPERATORS, body=Handover,
           response=HandoverAnswer, status=201,
           summary="Hand the source over at a set moment: the old secret stops and the new "
                   "maintainer's starts then (shown once)")
def hand_over_machine_client(principal, client_id, body):
    secret = current_dependencies().machine_clients.handover(
        client_id, body["at"], body["maintainer"], principal.subject)
    return {"client_id": client_id, "valid_from": body["at"], "client_secret": secret}


@api.route("/machine-clients/<client_id>/disable", "POST", allow=OPERATORS,
           response=MachineClientSchema,
           summary="Stop a machine client at once (an archived source)")
def disable_machine_client(principal, client_id):
    return asdict(current_dependencies().machine_clients.disable(client_id, principal.subject))
