"""County connectors (R-SSO-4): how each county's teachers roam in — its web service
(an adapter per dialect, adapters/county_service.py) or its own OpenID Connect sign-on
(adapters/county_oidc.py). Set by operators; secrets (API keys, client secrets) sealed."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contracts.vocabulary import COUNTIES
from servicekit.clock import Clock
from servicekit.errors import Invalid, NotFound
from services.sso.adapters.county_links_repo import ConnectorRow
from services.sso.adapters.county_service import ADAPTERS
from services.sso.adapters.sealing import Sealer, county_secret_purpose
from services.sso.adapters.unit_of_work import SsoWork

WEB_SERVICE, OIDC = "web_service", "oidc"
METHODS = {WEB_SERVICE: "county_service", OIDC: "county_oidc"}  # as sign-ins record them


@dataclass(frozen=True)
class Connector:
    county_code: str
    mode: str
    display_name: str
    config: dict[str, Any]
    enabled: bool
    updated_at: Any = None


def configure(uow: SsoWork, clock: Clock, sealer: Sealer, county_code: str, mode: str,
              display_name: str, config: dict[str, Any], secret: str | None,
              enabled: bool) -> Connector:
    if county_code not in COUNTIES:
        raise NotFound(f"no county {county_code}")
    if mode not in METHODS:
        raise Invalid("invalid-connector", "mode must be web_service or oidc")
    needed = ("endpoint", "adapter") if mode == WEB_SERVICE else ("issuer", "client_id")
    missing = [name for name in needed if not isinstance(config.get(name), str)]
    if missing or (mode == WEB_SERVICE and config["adapter"] not in ADAPTERS):
        raise Invalid("invalid-connector", "The connector is not complete",
                      f"needs {needed}; adapters: {sorted(ADAPTERS)}")
    row: dict[str, Any] = {"mode": mode, "display_name": display_name, "config": config,
                           "enabled": enabled, "updated_at": clock.now()}
    if secret:  # no secret given: the one set before stays
        row["secret_sealed"] = sealer.seal(secret.encode(), county_secret_purpose(county_code))
    with uow:
        uow.county_connectors.put(county_code, **row)
    return Connector(county_code, mode, display_name, config, enabled, row["updated_at"])


def connectors(uow: SsoWork, enabled_only: bool = True) -> list[Connector]:
    with uow:
        rows = uow.county_connectors.all(enabled_only)
    return [_connector(row) for row in rows]


def connector(uow: SsoWork, county_code: str) -> Connector:
    """The county's enabled connector."""
    with uow:
        row = uow.county_connectors.get(county_code)
    if row is None or not row.enabled:
        raise NotFound(f"no county sign-in for {county_code}")
    return _connector(row)


def secret_of(uow: SsoWork, sealer: Sealer, county_code: str) -> str | None:
    with uow:
        row = uow.county_connectors.get(county_code)
    sealed = row.secret_sealed if row else None
    return sealer.open(sealed, county_secret_purpose(county_code)).decode() if sealed else None


def _connector(row: ConnectorRow) -> Connector:
    return Connector(row.county_code, row.mode, row.display_name, dict(row.config), row.enabled,
                     row.updated_at)
