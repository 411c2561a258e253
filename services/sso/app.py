from flask import Flask

from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.web import create_service_app
from services.sso.api import api
from services.sso.bootstrap import DEFINITION


def create_app(settings: Settings | None = None) -> Flask:
    runtime = Runtime(DEFINITION, settings or Settings.from_env(DEFINITION.name))
    sso = runtime.components
    if not runtime.settings.embedded:
        sso.config.require_secrets()
    app = create_service_app(runtime, api, "Sign-on")
    # The kit's strict verifier, on this service's own keys read from its own table: the
    # sso service does not fetch its own JWKS over HTTP.
    app.extensions["token_verifier"] = sso.api_verifier
    return app
