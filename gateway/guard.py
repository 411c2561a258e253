"""What every proxied request passes first: the token check, then the rate limit.

A bad token never reaches a service. A request without one passes as anonymous: the
services decide per endpoint what needs a token, and verify it again themselves.
"""
from __future__ import annotations

from flask import Request

from gateway.clients import ClientAddresses
from gateway.ratelimit import RateLimits
from servicekit.problems import Problem
from servicekit.tokens import Principal, TokenVerifier, bearer_token


class RequestGuard:
    def __init__(self, verifier: TokenVerifier, limits: RateLimits,
                 clients: ClientAddresses) -> None:
        self._verifier = verifier
        self._limits = limits
        self._clients = clients

    def admit(self, request: Request) -> Principal | None:
        address = self._clients.client_address(request)
        try:
            token = bearer_token(request.headers.get("Authorization"))
            principal = self._verifier.verify(token) if token else None
        except Problem:
            # Made-up tokens spend the address's budget, so guessing is limited too.
            self._limits.hit(None, address)
            raise
        self._limits.hit(principal, address)
        return principal
