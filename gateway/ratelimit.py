"""Per-client rate limits: by token subject when authenticated, else by client address.

The storage is shared by every gateway process in production (``redis://…``, which needs
the ``redis`` package installed); ``memory://`` counts per process."""
from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from servicekit.problems import Problem
from servicekit.settings import InvalidSetting, Settings
from servicekit.tokens import Principal

log = logging.getLogger("gateway.ratelimit")


class RateLimits:
    def __init__(self, authenticated: str = "600/minute", anonymous: str = "300/minute",
                 storage_uri: str = "memory://") -> None:
        self._authenticated = _parsed("RATE_LIMIT_AUTHENTICATED", authenticated)
        self._anonymous = _parsed("RATE_LIMIT_ANONYMOUS", anonymous)
        self._storage = storage_from_string(storage_uri, wrap_exceptions=True)
        # Smooth like a moving window, but two counters per client rather than a log.
        self._limiter = SlidingWindowCounterRateLimiter(self._storage)

    @classmethod
    def from_settings(cls, settings: Settings) -> "RateLimits":
        return cls(settings.value("RATE_LIMIT_AUTHENTICATED", "600/minute"),
                   settings.value("RATE_LIMIT_ANONYMOUS", "300/minute"),
                   settings.value("RATE_LIMIT_STORAGE", "memory://"))

    def hit(self, principal: Principal | None, address: str) -> None:
        """Count one request; raises a 429 Problem when the client is over its limit."""
        if principal is None:
            self._hit(self._anonymous, "address", address)
        else:
            self._hit(self._authenticated, "subject", principal.subject)

    def check_storage(self) -> None:
        if not self._storage.check():
            raise ConnectionError("the rate limit storage does not answer")

    def _hit(self, limit: RateLimitItem, kind: str, identity: str) -> None:
        try:
            if self._limiter.hit(limit, kind, identity):
                return
            reset_at = self._limiter.get_window_stats(limit, kind, identity).reset_time
        except StorageError:
            # Losing the limiter must not take the platform down with it; readiness says so.
            log.warning("rate limit storage unavailable; request let through")
            return
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise Problem(429, "rate-limited", "Too many requests",
                      f"Try again in {retry_after} seconds.",
                      headers={"Retry-After": str(retry_after)})


def _parsed(name: str, value: str) -> RateLimitItem:
    try:
        return parse(value)
    except ValueError as error:
        raise InvalidSetting(f"{name} = {value!r}: {error}") from None
