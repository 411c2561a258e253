"""Composition root of the transfer service."""
from pathlib import Path

from contracts.events import CATALOGUE
from servicekit.service import ServiceDefinition, WebApp
from services.transfer.commands import COMMANDS, fail_interrupted_at_start
from services.transfer.components import TransferComponents


def web() -> WebApp:
    from services.transfer.api import api  # here: only a web process loads the HTTP layer
    return WebApp(api, "Transfer")


DEFINITION: ServiceDefinition[TransferComponents] = ServiceDefinition(
    name="transfer",
    app_spec="services.transfer.app:create_app()",
    migrations_dir=Path(__file__).parent / "migrations",
    catalogue=CATALOGUE,
    web=web,
    commands=COMMANDS,
    after_migrate=fail_interrupted_at_start,
    components=TransferComponents,
)
