"""Composition root of the accounts service."""
from pathlib import Path

from contracts.events import CATALOGUE
from servicekit.service import ServiceDefinition
from services.accounts.seed import seed_demo

DEFINITION = ServiceDefinition(
    name="accounts",
    app_spec="services.accounts.app:create_app()",
    migrations_dir=Path(__file__).parent / "migrations",
    catalogue=CATALOGUE,
    seed_demo=seed_demo,
)
