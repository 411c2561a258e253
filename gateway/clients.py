"""Who the client is, and what the services are told about it.

``X-Forwarded-*`` from a client is a claim anybody can make; it counts only when the
connection comes from a proxy listed in ``TRUSTED_PROXIES`` (addresses or networks,
comma-separated). Otherwise the peer address is the client.
"""
from __future__ import annotations

import ipaddress

from flask import Request

from servicekit.settings import InvalidSetting

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ClientAddresses:
    def __init__(self, trusted_proxies: str | None = None) -> None:
        try:
            self._trusted: tuple[_Network, ...] = tuple(
                ipaddress.ip_network(entry.strip(), strict=False)
                for entry in (trusted_proxies or "").split(",") if entry.strip())
        except ValueError as error:
            raise InvalidSetting(f"TRUSTED_PROXIES = {trusted_proxies!r}: {error}") from None

    def client_address(self, request: Request) -> str:
        return self._chain(request)[0]

    def through_trusted_proxy(self, request: Request) -> bool:
        """Forwarded by one of our proxies (the ingress): a public client's request."""
        return self._is_trusted(request.remote_addr) and "X-Forwarded-For" in request.headers

    def forwarded_headers(self, request: Request) -> dict[str, str]:
        from_proxy = self._is_trusted(request.remote_addr)
        proto = request.headers.get("X-Forwarded-Proto") if from_proxy else None
        host = request.headers.get("X-Forwarded-Host") if from_proxy else None
        return {"X-Forwarded-For": ", ".join(self._chain(request)),
                "X-Forwarded-Proto": proto or request.scheme,
                "X-Forwarded-Host": host or request.host}

    def _chain(self, request: Request) -> list[str]:
        """The hops from the client to the gateway's peer, the untrusted part cut off."""
        peer = request.remote_addr or "unknown"
        if not self._is_trusted(peer):
            return [peer]
        claimed = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
        hops = [hop for hop in claimed if hop] + [peer]
        # Walk back from the peer while the hops are our own proxies.
        client = len(hops) - 1
        while client > 0 and self._is_trusted(hops[client]) and _is_address(hops[client - 1]):
            client -= 1
        return hops[client:]

    def _is_trusted(self, address: str | None) -> bool:
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in network for network in self._trusted)


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
