"""Composition root of the accounts service."""
from pathlib import Path

from contracts.events import CATALOGUE
from contracts.events.sso import ACCOUNT_SIGNED_IN, COUNTY_PROFILE_RECEIVED
from servicekit.bus.consumer import Subscription
from servicekit.service import Runtime, ServiceDefinition
from services.accounts.commands import COMMANDS
from services.accounts.components import AccountsComponents
from services.accounts.handlers import sso_events
from services.accounts.handlers.authorities import seed_reference_data
from services.accounts.seed import seed_demo


def subscriptions(runtime: Runtime) -> list[Subscription]:
    handlers = {ACCOUNT_SIGNED_IN: sso_events.apply_sign_in,
                COUNTY_PROFILE_RECEIVED: sso_events.county_profile_handler(runtime)}
    return [Subscription(runtime.queue("events", *handlers), handlers)]


DEFINITION: ServiceDefinition[AccountsComponents] = ServiceDefinition(
    name="accounts",
    app_spec="services.accounts.app:create_app()",
    migrations_dir=Path(__file__).parent / "migrations",
    catalogue=CATALOGUE,
    subscriptions=subscriptions,
    after_migrate=seed_reference_data,
    seed_demo=seed_demo,
    commands=COMMANDS,
    components=AccountsComponents,
)
