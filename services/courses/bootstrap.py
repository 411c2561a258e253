"""Composition root of the courses service."""
from pathlib import Path

from contracts.events import CATALOGUE
from servicekit.bus.consumer import Subscription
from servicekit.service import Runtime, ServiceDefinition
from services.courses.handlers import replica

UNIT_REGISTERED = "accounts.unit.registered.v1"
UNIT_UPDATED = "accounts.unit.updated.v1"  # renames, and transfers in force at once
JURISDICTION_CHANGED = "accounts.unit.jurisdiction_changed.v1"  # also those dated later
ROUTING_CHANGED = "accounts.review_routing.changed.v1"


def subscriptions(runtime: Runtime) -> list[Subscription]:
    handlers = {UNIT_REGISTERED: replica.apply_units, UNIT_UPDATED: replica.apply_units,
                JURISDICTION_CHANGED: replica.apply_jurisdiction_changes,
                ROUTING_CHANGED: replica.apply_routing_rules}
    return [Subscription(runtime.queue("events", *handlers), handlers)]


DEFINITION = ServiceDefinition(
    name="courses",
    app_spec="services.courses.app:create_app()",
    migrations_dir=Path(__file__).parent / "migrations",
    catalogue=CATALOGUE,
    subscriptions=subscriptions,
)
