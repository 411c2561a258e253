"""Composition root of the accounts service."""
from pathlib import Path

from flask import Flask

from contracts.events import CATALOGUE
from contracts.events.sso import ACCOUNT_SIGNED_IN, COUNTY_PROFILE_RECEIVED
from servicekit.bus.consumer import Subscription
from servicekit.service import Runtime, ServiceDefinition, WebApp
from services.accounts.commands import COMMANDS
from services.accounts.components import AccountsComponents
from services.accounts.handlers import sso_events
from services.accounts.handlers.authorities import seed_reference_data
from services.accounts.seed import seed_demo


def subscriptions(runtime: Runtime) -> list[Subscription]:
    handlers = {ACCOUNT_SIGNED_IN: sso_events.apply_sign_in,
                COUNTY_PROFILE_RECEIVED: sso_events.county_profile_handler(runtime)}
    return [Subscription(runtime.queue("events", *handlers), handlers)]


def require_national_id_keys(_app: Flask, runtime: Runtime[AccountsComponents]) -> None:
    """In production the web app refuses to start without the national-ID keys rather
    than fail on the first teacher it meets."""
    if not runtime.settings.embedded:
        runtime.components.vault  # noqa: B018 -- built now: a missing key stops the start


def web() -> WebApp:
    from services.accounts.api import api  # here: only a web process loads the HTTP layer
    return WebApp(api, "Accounts", extend=require_national_id_keys)


DEFINITION: ServiceDefinition[AccountsComponents] = ServiceDefinition(
    name="accounts",
    app_spec="services.accounts.app:create_app()",
    migrations_dir=Path(__file__).parent / "migrations",
    catalogue=CATALOGUE,
    web=web,
    subscriptions=subscriptions,
    after_migrate=seed_reference_data,
    seed_demo=seed_demo,
    commands=COMMANDS,
    components=AccountsComponents,
)
