"""Per-client rate limits: by token subject when authenticated, else by client address.

The storage is shared by every gateway process in production (``redis://…``, which needs
the ``redis`` package installed); ``memory://`` counts per process.

The anonymous limit is a flood guard, not the brute-force defence (sso locks each account
after repeated failures). Schools reach the platform through one shared address: a sign-in
through the gateway costs 5 anonymous requests (discovery, authorize, the sign-in page,
its POST, the token; counted from a real one in tests/sso/test_sso_sign_in_budget.py),
10 with what a browser and the web client add around it (a mistyped password, the icon,
the keys, the public landing calls). 200 teachers of one school signing in within the
same minute are 2,000; the default leaves half as much again (docs/architecture.md).
"""
from __future__ import annotations

import ipaddress
import math
import time

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from servicekit import outage
from servicekit.problems import Problem
from servicekit.settings import InvalidSetting, Settings
from servicekit.tokens import Principal

DEFAULT_AUTHENTICATED = "600/minute"  # one person's own budget, wherever they sit
DEFAULT_ANONYMOUS = "3000/minute"  # one address's: a whole school signing in at once


class RateLimits:
    def __init__(self, authenticated: str = DEFAULT_AUTHENTICATED,
                 anonymous: str = DEFAULT_ANONYMOUS,
                 storage_uri: str = "memory://") -> None:
        self._authenticated = _parsed("RATE_LIMIT_AUTHENTICATED", authenticated)
        self._anonymous = _parsed("RATE_LIMIT_ANONYMOUS", anonymous)
        self._storage = storage_from_string(storage_uri, wrap_exceptions=True)
        # Smooth like a moving window, but two counters per client rather than a log.
        self._limiter = SlidingWindowCounterRateLimiter(self._storage)

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        return cls(settings.value("RATE_LIMIT_AUTHENTICATED", DEFAULT_AUTHENTICATED),
                   settings.value("RATE_LIMIT_ANONYMOUS", DEFAULT_ANONYMOUS),
                   settings.value("RATE_LIMIT_STORAGE", "memory://"))

    def hit(self, principal: Principal | None, address: str) -> None:
        """Count one request; raises a 429 Problem when the client is over its limit."""
        if principal is None:
            self._hit(self._anonymous, "address", address_key(address))
        else:
            self._hit(self._authenticated, "subject", principal.subject)

    def check_storage(self) -> None:
        if not self._storage.check():
            raise ConnectionError("the rate limit storage does not answer")

    def _hit(self, limit: RateLimitItem, kind: str, identity: str) -> None:
        storage = outage.tracker("gateway", "rate-limit-storage")
        try:
            if self._limiter.hit(limit, kind, identity):
                storage.ok()
                return
            reset_at = self._limiter.get_window_stats(limit, kind, identity).reset_time
        except StorageError as error:
            # Losing the limiter must not take the platform down with it; readiness says
            # so, and the log once per outage (not once per request).
            storage.failed(error, "letting requests through without a limit")
            return
        storage.ok()
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise Problem(429, "rate-limited", "Too many requests",
                      f"Try again in {retry_after} seconds.",
                      headers={"Retry-After": str(retry_after)})


def address_key(address: str) -> str:
    """Whose budget an address spends. IPv4: the address. IPv6: its /64, the block one
    subscriber gets, inside which every device picks new addresses at will (privacy
    extensions), so a single address would be a budget per whim. IPv4-mapped IPv6
    (``::ffff:a.b.c.d``, from a dual-stack socket): the IPv4 address it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


def _parsed(name: str, value: str) -> RateLimitItem:
    try:
        return parse(value)
    except ValueError as error:
        raise InvalidSetting(f"{name} = {value!r}: {error}") from None
