"""Review routing rules (R-ORG-4): an operator changes who reviews a unit type's courses
from a date; the courses service applies it from the event."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.exc import IntegrityError

from contracts.events.accounts import REVIEW_ROUTING_CHANGED
from contracts.review_routing import InvalidRule, RoutingRule
from servicekit.problems import conflict
from servicekit.service import Runtime
from services.accounts.adapters.organisations import AuthorityRepository, RoutingRepository
from services.accounts.domain import dates
from services.accounts.domain.routing import OverlappingRule, check_new_rule
from services.accounts.handlers.events import routing_data
from services.accounts.handlers.scope import invalid


def change_routing(runtime: Runtime, unit_type: str, reviewer: str,
                   fixed_authority_code: str | None, effective_from: date,
                   by: str = "system") -> RoutingRule:
    try:
        rule = RoutingRule(uuid.uuid4().hex, unit_type, reviewer, fixed_authority_code,
                           effective_from)
    except InvalidRule as error:
        raise invalid("invalid-routing-rule", "The routing rule is not valid", str(error)) from None
    with runtime.database.session() as session:
        if fixed_authority_code and AuthorityRepository(session).get(fixed_authority_code) is None:
            raise invalid("unknown-authority", "No such authority", f"authority {fixed_authority_code}")
        rules = RoutingRepository(session)
        try:
            check_new_rule(rules.all(unit_type), rule)
        except OverlappingRule as error:
            raise conflict("routing-change-overlaps", "The change overlaps a recorded rule",
                           str(error)) from None
        try:
            with session.begin_nested():  # another change for the same day, committed meanwhile
                rules.add(rule, dates.now(), by)
        except IntegrityError:
            raise conflict("routing-change-overlaps", "The change overlaps a recorded rule",
                           f"a rule for {unit_type} from {effective_from.isoformat()} exists") from None
        runtime.outbox.record(session, REVIEW_ROUTING_CHANGED, routing_data(rule))
    return rule


def list_rules(runtime: Runtime, unit_type: str | None = None) -> list[RoutingRule]:
    with runtime.database.session() as session:
        return RoutingRepository(session).all(unit_type)
