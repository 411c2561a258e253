"""HTTP edge of the sso service. Every route is declared on ``api``: the OpenID Connect
protocol endpoints and the sign-in pages (web/protocol.py, web/*_pages.py) as PUBLIC with
their own protocol-level authentication, the rest (web/*_api.py) by role."""
from servicekit.api import ServiceApi

api = ServiceApi("sso")

# The route modules declare their endpoints on ``api`` when imported.
from services.sso.web import (  # noqa: E402,F401
    account_api,
    county_api,
    county_pages,
    machine_api,
    operations_api,
    pages,
    partner_api,
    password_pages,
    protocol,
)
