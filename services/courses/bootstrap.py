"""Composition root of the courses service."""
from pathlib import Path

from contracts.events import CATALOGUE
from contracts.events.accounts import (
    REVIEW_ROUTING_CHANGED,
    UNIT_JURISDICTION_CHANGED,
    UNIT_REGISTERED,
    UNIT_UPDATED,
)
from servicekit.bus.consumer import Subscription
from servicekit.service import Runtime, ServiceDefinition
from services.courses.commands import COMMANDS
from services.courses.components import CoursesComponents, build
from services.courses.handlers import replica


def subscriptions(runtime: Runtime) -> list[Subscription]:
    handlers = {UNIT_REGISTERED: replica.apply_units,
                UNIT_UPDATED: replica.apply_units,  # renames, and transfers in force at once
                UNIT_JURISDICTION_CHANGED: replica.apply_jurisdiction_changes,  # also later ones
                REVIEW_ROUTING_CHANGED: replica.apply_routing_rules}
    return [Subscription(runtime.queue("events", *handlers), handlers)]


DEFINITION: ServiceDefinition[CoursesComponents] = ServiceDefinition(
    name="courses",
    app_spec="services.courses.app:create_app()",
    migrations_dir=Path(__file__).parent / "migrations",
    catalogue=CATALOGUE,
    subscriptions=subscriptions,
    commands=COMMANDS,
    components=build,
)
