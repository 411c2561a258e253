"""Composition root of the stats service."""
from pathlib import Path

from contracts.events import CATALOGUE
from servicekit.service import ServiceDefinition, WebApp
from services.stats.api import api

DEFINITION: ServiceDefinition[None] = ServiceDefinition(
    name="stats",
    app_spec="services.stats.app:create_app()",
    migrations_dir=Path(__file__).parent / "migrations",
    catalogue=CATALOGUE,
    web=WebApp(api, "Statistics"),
)
