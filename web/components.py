"""What the web client's pages share, built once per app (``app.extensions["web"]``)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from web.api import PlatformApi
from web.oidc import OidcProvider
from web.sessions import SessionStore
from web.settings import WebSettings


@dataclass(frozen=True)
class WebComponents:
    settings: WebSettings
    api: PlatformApi
    provider: OidcProvider
    store: SessionStore


def components() -> WebComponents:
    found = current_app.extensions["web"]
    assert isinstance(found, WebComponents)
    return found
