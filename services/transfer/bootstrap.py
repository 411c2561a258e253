"""Composition root of the transfer service."""
from pathlib import Path

from contracts.events import CATALOGUE
from contracts.events.accounts import UNIT_REGISTERED, UNIT_UPDATED
from servicekit.bus.consumer import Subscription
from servicekit.service import Runtime, ServiceDefinition, WebApp
from services.transfer.commands import COMMANDS, fail_interrupted_at_start
from services.transfer.components import TransferComponents
from services.transfer.handlers import replica


def subscriptions(runtime: Runtime) -> list[Subscription]:
    # The units' names and counties, for the county export (R-TRF-9).
    handlers = {UNIT_REGISTERED: replica.apply_units, UNIT_UPDATED: replica.apply_units}
    return [Subscription(runtime.queue("events", *handlers), handlers)]


def web() -> WebApp:
    from services.transfer.api import api  # here: only a web process loads the HTTP layer
    return WebApp(api, "Transfer")


DEFINITION: ServiceDefinition[TransferComponents] = ServiceDefinition(
    name="transfer",
    app_spec="services.transfer.app:create_app()",
    migrations_dir=Path(__file__).parent / "migrations",
    catalogue=CATALOGUE,
    web=web,
    subscriptions=subscriptions,
    commands=COMMANDS,
    after_migrate=fail_interrupted_at_start,
    components=TransferComponents,
)
