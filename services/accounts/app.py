from flask import Flask

from servicekit.settings import Settings
from servicekit.web import service_app_factory
from services.accounts.api import api
from services.accounts.bootstrap import DEFINITION

_create_app = service_app_factory(DEFINITION, api, "Accounts")


def create_app(settings: Settings | None = None) -> Flask:
    """The kit's app; in production it refuses to start without the national-ID keys
    rather than fail on the first teacher it meets."""
    app = _create_app(settings)
    runtime = app.extensions["runtime"]
    if not runtime.settings.embedded:
        runtime.components.vault  # noqa: B018 -- built now, so a missing key stops the start
    return app
