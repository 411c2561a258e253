"""County connectors (R-SSO-4): how each county's teachers roam in — its web service
(an adapter per dialect, adapters/county_service.py) or its own OpenID Connect sign-on
(adapters/county_oidc.py). Set by operators; secrets (API keys, client secrets) sealed."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from contracts.vocabulary import COUNTIES
from servicekit.errors import Invalid, NotFound
from services.sso.adapters.county_service import ADAPTERS
from services.sso.adapters.orm import county_connectors
from services.sso.adapters.sealing import county_secret_purpose
from services.sso.context import Sso

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


def configure(sso: Sso, county_code: str, mode: str, display_name: str, config: dict[str, Any],
              secret: str | None, enabled: bool) -> Connector:
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
                           "enabled": enabled, "updated_at": sso.now()}
    if secret:  # no secret given: the one set before stays
        row["secret_sealed"] = sso.sealer.seal(secret.encode(), county_secret_purpose(county_code))
    with sso.database.session() as session:
        exists = session.scalar(select(county_connectors.c.county_code).where(
            county_connectors.c.county_code == county_code))
        if exists:
            session.execute(update(county_connectors).where(
                county_connectors.c.county_code == county_code).values(**row))
        else:
            session.execute(insert(county_connectors).values(county_code=county_code, **row))
    return Connector(county_code, mode, display_name, config, enabled, row["updated_at"])


def connectors(sso: Sso, enabled_only: bool = True) -> list[Connector]:
    with sso.database.session() as session:
        query = select(county_connectors).order_by(county_connectors.c.county_code)
        if enabled_only:
            query = query.where(county_connectors.c.enabled.is_(True))
        rows = session.execute(query).all()
    return [Connector(r.county_code, r.mode, r.display_name, dict(r.config), r.enabled,
                      r.updated_at) for r in rows]


def connector(sso: Sso, county_code: str) -> Connector:
    for item in connectors(sso):
        if item.county_code == county_code:
            return item
    raise NotFound(f"no county sign-in for {county_code}")


def secret_of(sso: Sso, county_code: str) -> str | None:
    with sso.database.session() as session:
        sealed = session.scalar(select(county_connectors.c.secret_sealed).where(
            county_connectors.c.county_code == county_code))
    return sso.sealer.open(sealed, county_secret_purpose(county_code)).decode() if sealed else None
