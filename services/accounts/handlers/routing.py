"""Review routing rules (R-ORG-4): an operator changes who reviews a unit type's courses
from a date; the courses service applies it from the event."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.exc import IntegrityError

from contracts.events.accounts import REVIEW_ROUTING_CHANGED
from contracts.review_routing import InvalidRule, RoutingRule
from servicekit.clock import Clock
from servicekit.errors import Conflict, Invalid
from services.accounts.adapters.unit_of_work import AccountsUnitOfWork
from services.accounts.domain.routing import OverlappingRule, check_new_rule
from services.accounts.handlers.events import routing_data


def change_routing(uow: AccountsUnitOfWork, clock: Clock, unit_type: str, reviewer: str,
                   fixed_authority_code: str | None, effective_from: date,
                   by: str = "system") -> RoutingRule:
    try:
        rule = RoutingRule(uuid.uuid4().hex, unit_type, reviewer, fixed_authority_code,
                           effective_from)
    except InvalidRule as error:
        raise Invalid("invalid-routing-rule", "The routing rule is not valid",
                      str(error)) from None
    with uow:
        if fixed_authority_code and uow.authorities.get(fixed_authority_code) is None:
            raise Invalid("unknown-authority", "No such authority",
                          f"authority {fixed_authority_code}")
        rules = uow.routing
        try:
            check_new_rule(rules.all(unit_type), rule)
        except OverlappingRule as error:
            raise Conflict("routing-change-overlaps", "The change overlaps a recorded rule",
                           str(error)) from None
        try:
            with uow.session.begin_nested():  # another change for the same day, committed meanwhile
                rules.add(rule, clock.now(), by)
        except IntegrityError:
            raise Conflict("routing-change-overlaps", "The change overlaps a recorded rule",
                           f"a rule for {unit_type} from {effective_from.isoformat()} exists") from None
        uow.record(REVIEW_ROUTING_CHANGED, routing_data(rule))
    return rule


def list_rules(uow: AccountsUnitOfWork, unit_type: str | None = None) -> list[RoutingRule]:
    with uow:
        return uow.routing.all(unit_type)
