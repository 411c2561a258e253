"""Composition root of the stats service."""
from pathlib import Path

from contracts.events import CATALOGUE
from servicekit.service import ServiceDefinition, WebApp


def web() -> WebApp:
    from services.stats.api import api  # here: only a web process loads the HTTP layer
    return WebApp(api, "Statistics")


DEFINITION: ServiceDefinition[None] = ServiceDefinition(
    name="stats",
    app_spec="services.stats.app:create_app()",
    migrations_dir=Path(__file__).parent / "migrations",
    catalogue=CATALOGUE,
    web=web,
)
