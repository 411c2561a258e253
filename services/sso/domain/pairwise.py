"""Pairwise subjects (R-SSO-3): what a partner site receives as ``sub``.

One function makes it, and the id token, userinfo, introspection and back-channel logout
token all call it: a keyed hash of (partner sector, internal account id). Never derived
from the national ID. Two partners of one sector (one organisation's sites on one host)
see the same value; partners of different sectors cannot join their users on it, and
without the key nobody can go back from it to the account.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlsplit


def pairwise_subject(key: bytes, sector: str, account_id: str) -> str:
    message = sector.lower().encode() + b"\x00" + account_id.lower().encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class SectorError(ValueError):
    pass


def sector_of(redirect_uris: list[str], sector_identifier_uri: str | None) -> str:
    """The sector a partner belongs to: the host of its sector identifier URI, else the one
    host of its redirect URIs (OpenID Connect Core, 8.1). Several hosts and no sector
    identifier cannot be told apart from several unrelated sites: refused."""
    if sector_identifier_uri:
        host = urlsplit(sector_identifier_uri).hostname
        if not host or urlsplit(sector_identifier_uri).scheme != "https":
            raise SectorError("sector_identifier_uri must be an https URL")
        return host.lower()
    hosts = {(urlsplit(uri).hostname or "").lower() for uri in redirect_uris}
    if len(hosts) != 1:
        raise SectorError("redirect URIs on several hosts need a sector_identifier_uri")
    return hosts.pop()
