"""Composition root of the stats service."""
from pathlib import Path

from contracts.events import CATALOGUE
from servicekit.bus.consumer import Subscription
from servicekit.service import Runtime, ServiceDefinition, WebApp
from services.stats.commands import COMMANDS
from services.stats.components import StatsComponents, build
from services.stats.handlers import intake


def subscriptions(runtime: Runtime) -> list[Subscription]:
    # Every type stats counts, one handler: it logs the fact, then adds to the figures.
    handlers = dict.fromkeys(intake.APPLIERS, intake.take)
    return [Subscription(runtime.queue("events", *handlers), handlers)]


def web() -> WebApp:
    from services.stats.api import api  # here: only a web process loads the HTTP layer
    return WebApp(api, "Statistics")


DEFINITION: ServiceDefinition[StatsComponents] = ServiceDefinition(
    name="stats",
    app_spec="services.stats.app:create_app()",
    migrations_dir=Path(__file__).parent / "migrations",
    catalogue=CATALOGUE,
    web=web,
    subscriptions=subscriptions,
    commands=COMMANDS,
    components=build,
)
