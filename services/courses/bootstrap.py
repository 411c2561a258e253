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
from contracts.events.transfer import RECORD_ADDED, RECORD_CHANGED, RECORD_WITHDRAWN
from servicekit.bus.consumer import Subscription
from servicekit.service import Runtime, ServiceDefinition, WebApp
from services.courses.commands import COMMANDS
from services.courses.components import CoursesComponents, build
from services.courses.handlers import replica, transcripts
from services.courses.handlers.vocabularies import seed_reference_data


def seed_demo(runtime: Runtime[CoursesComponents]) -> object:
    """The demo courses, open and closed (imported when asked: the seed uses the whole
    registration path); the closing part may leave a thread waiting for the teachers."""
    from services.courses.seed_closing import seed_demo as seed
    return seed(runtime)


def subscriptions(runtime: Runtime) -> list[Subscription]:
    handlers = {UNIT_REGISTERED: replica.apply_units,
                UNIT_UPDATED: replica.apply_units,  # renames, and transfers in force at once
                UNIT_JURISDICTION_CHANGED: replica.apply_jurisdiction_changes,  # also later ones
                REVIEW_ROUTING_CHANGED: replica.apply_routing_rules,
                # Teachers (the account's school comes with each account event).
                ACCOUNT_CREATED: replica.apply_teachers,
                ACCOUNT_UPDATED: replica.apply_teachers,
                # Transcripts (R-CRS-11): outside systems' records, as the transfer service
                # publishes them.
                RECORD_ADDED: transcripts.apply_transfer_records,
                RECORD_CHANGED: transcripts.apply_transfer_records,
                RECORD_WITHDRAWN: transcripts.withdraw_transfer_records}
    return [Subscription(runtime.queue("events", *handlers), handlers)]


def web() -> WebApp:
    from services.courses.api import api  # here: only a web process loads the HTTP layer
    return WebApp(api, "Courses")


DEFINITION: ServiceDefinition[CoursesComponents] = ServiceDefinition(
    name="courses",
    app_spec="services.courses.app:create_app()",
    migrations_dir=Path(__file__).parent / "migrations",
    catalogue=CATALOGUE,
    web=web,
    subscriptions=subscriptions,
    after_migrate=seed_reference_data,
    seed_demo=seed_demo,
    commands=COMMANDS,
    components=build,
)
