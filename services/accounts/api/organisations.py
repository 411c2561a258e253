"""Routes for authorities, units, jurisdiction and review routing (R-ORG-1…4)."""
from __future__ import annotations

from servicekit.api import PUBLIC
from services.accounts.api import organisation_schemas as s
from services.accounts.api.base import MANAGERS, api, clock, work
from services.accounts.handlers import authorities, jurisdiction, routing, units


@api.route("/authorities", "GET", allow=PUBLIC, many=True, response=s.AuthoritySchema,
           summary="The supervising authorities (22 counties, the K-12 Administration, the network)")
def list_authorities(principal):
    return authorities.list_authorities(work())


@api.route("/units", "GET", allow=PUBLIC, query=s.UnitQuerySchema, many=True,
           response=s.ListedUnitSchema, summary="Units, filtered (public directory data)")
def list_units(principal, query):
    return units.list_units(work(), clock(), **query)


@api.route("/units", "POST", allow=MANAGERS, summary="Register a unit",
           body=s.UnitSchema, response=s.UnitSchema, status=201)
def register_unit(principal, body):
    return units.register_unit(work(), clock(), by=principal.subject, **body)


@api.route("/units/<code>", "GET", allow=PUBLIC, summary="A unit (public directory data)",
           response=s.UnitSchema)
def get_unit(principal, code):
    return units.find_unit(work(), clock(), code)


@api.route("/units/<code>", "PATCH", allow=MANAGERS, summary="Rename or retype a unit",
           body=s.UnitChangeSchema, response=s.UnitSchema)
def update_unit(principal, code, body):
    return units.update_unit(work(), clock(), code, body, by=principal.subject)


@api.route("/units/<code>/jurisdiction-history", "GET", allow=PUBLIC, many=True,
           response=s.PeriodSchema, summary="The unit's supervising authorities over time")
def jurisdiction_history(principal, code):
    return units.jurisdiction_history(work(), clock(), code)


@api.route("/units/<code>/reviewer", "GET", allow=PUBLIC, query=s.OnQuerySchema,
           response=s.ReviewerSchema,
           summary="Which authority reviews the unit's courses on a date (default today)")
def reviewer(principal, code, query):
    return units.reviewer_on(work(), clock(), code, query.get("on"))


@api.route("/jurisdiction-transfers", "POST", allow=MANAGERS, body=s.TransferSchema,
           many=True, response=s.TransferredSchema, status=201,
           summary="Move units (one or a batch) to another authority from a date")
def transfer_units(principal, body):
    return jurisdiction.transfer_units(work(), clock(), by=principal.subject, **body)


@api.route("/review-routing-rules", "GET", allow=PUBLIC, query=s.RoutingQuerySchema,
           many=True, response=s.RoutingRuleSchema, summary="Review routing rules by unit type")
def list_rules(principal, query):
    return routing.list_rules(work(), query.get("unit_type"))


@api.route("/review-routing-rules", "POST", allow=MANAGERS, body=s.RoutingRuleSchema,
           response=s.RoutingRuleSchema, status=201,
           summary="Change who reviews a unit type's courses, from a date")
def change_routing(principal, body):
    return routing.change_routing(work(), clock(), by=principal.subject, **body)
