"""Composition root of the sso service."""
from pathlib import Path

from contracts.events import CATALOGUE
from servicekit.service import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="sso",
    app_spec="services.sso.app:create_app()",
    migrations_dir=Path(__file__).parent / "migrations",
    catalogue=CATALOGUE,
)
