"""Composition root of the courses service."""
from pathlib import Path

from contracts.events import CATALOGUE
from contracts.events.accounts import (
    ACCOUNT_CREATED,
    ACCOUNT_UPDATED,
    REVIEW_ROUTING_CHANGED,
    UNIT_JURISDICTION_CHANGED,
    UNIT_REGISTERED,
    UNIT_UPDATED,
)
from servicekit.bus.consumer import Subscription
from servicekit.service import Runtime, ServiceDefinition
from services.courses.components import CoursesComponents, build
from services.courses.handlers import replica
from services.courses.handlers.vocabularies import seed_reference_data


def seed_demo(runtime: Runtime[CoursesComponents]) -> int:
    """The demo courses (imported when asked: the seed uses the whole registration path)."""
    from services.courses.seed import seed_demo as seed
    return seed(runtime)


def subscriptions(runtime: Runtime) -> list[Subscription]:
    handlers = {UNIT_REGISTERED: replica.apply_units,
                UNIT_UPDATED: replica.apply_units,  # renames, and transfers in force at once
                UNIT_JURISDICTION_CHANGED: replica.apply_jurisdiction_changes,  # also later ones
                REVIEW_ROUTING_CHANGED: replica.apply_routing_rules,
                # Teachers (the account's school comes with each account event).
                ACCOUNT_CREATED: replica.apply_teachers,
                ACCOUNT_UPDATED: replica.apply_teachers}
    return [Subscription(runtime.queue("events", *handlers), handlers)]


DEFINITION: ServiceDefinition[CoursesComponents] = ServiceDefinition(
    name="courses",
    app_spec="services.courses.app:create_app()",
    migrations_dir=Path(__file__).parent / "migrations",
    catalogue=CATALOGUE,
    subscriptions=subscriptions,
    after_migrate=seed_reference_data,
    seed_demo=seed_demo,
    components=build,
)
