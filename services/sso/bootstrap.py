"""Composition root of the sso service."""
from pathlib import Path

from contracts.events import CATALOGUE
from servicekit.bus.consumer import Subscription
from servicekit.service import Runtime, ServiceDefinition
from services.sso.commands import COMMANDS
from services.sso.dependencies import SsoDependencies
from services.sso.handlers import replica
from services.sso.seed import seed_demo


def subscriptions(runtime: Runtime[SsoDependencies]) -> list[Subscription]:
    sso = runtime.components
    handlers = replica.handlers(sso.joining, sso.clock, sso.sign_out)
    return [Subscription(runtime.queue("events", *handlers), handlers)]


DEFINITION: ServiceDefinition[SsoDependencies] = ServiceDefinition(
    name="sso",
    app_spec="services.sso.app:create_app()",
    migrations_dir=Path(__file__).parent / "migrations",
    catalogue=CATALOGUE,
    subscriptions=subscriptions,
    seed_demo=seed_demo,
    commands=COMMANDS,
    components=SsoDependencies,
)
