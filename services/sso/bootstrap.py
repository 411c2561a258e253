"""Composition root of the sso service."""
from pathlib import Path

from flask import Flask

from contracts.events import CATALOGUE
from servicekit.bus.consumer import Subscription
from servicekit.service import Runtime, ServiceDefinition, WebApp
from services.sso.commands import COMMANDS
from services.sso.dependencies import SsoDependencies
from services.sso.handlers import replica
from services.sso.seed import seed_demo


def subscriptions(runtime: Runtime[SsoDependencies]) -> list[Subscription]:
    sso = runtime.components
    handlers = replica.handlers(sso.joining, sso.clock, sso.sign_out)
    return [Subscription(runtime.queue("events", *handlers), handlers)]


def extend_app(app: Flask, runtime: Runtime[SsoDependencies]) -> None:
    """Outside the embedded default the app refuses to start without its secrets. The
    kit's strict verifier runs on this service's own keys, read from its own table: the
    sso service does not fetch its own JWKS over HTTP."""
    sso = runtime.components
    if not runtime.settings.embedded:
        sso.config.require_secrets()
    app.extensions["token_verifier"] = sso.api_verifier


def web() -> WebApp:
    from services.sso.api import api  # here: only a web process loads the HTTP layer
    return WebApp(api, "Sign-on", extend=extend_app)


DEFINITION: ServiceDefinition[SsoDependencies] = ServiceDefinition(
    name="sso",
    app_spec="services.sso.app:create_app()",
    migrations_dir=Path(__file__).parent / "migrations",
    catalogue=CATALOGUE,
    web=web,
    subscriptions=subscriptions,
    seed_demo=seed_demo,
    commands=COMMANDS,
    components=SsoDependencies,
)
