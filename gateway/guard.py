"""What every proxied request passes first: the token check, then the rate limit.

A bad token never reaches a service. A request without one passes as anonymous: the
services decide per endpoint what needs a token, and verify it again themselves. Only
tokens of the platform's own clients, for the API's audience, pass — except at sso's
userinfo, which partner sites call with the token made for it, at the transfer
service's push, which a source calls with its machine token (client credentials, the
transfer audience) and nothing else does, and at a source's monthly counts, which the
source states with its machine token or its unit's staff with theirs. A platform
service's own token (the accounts service's lookup for services) is never taken here:
services call each other directly.
"""
from __future__ import annotations

import re

from flask import Request

from gateway.clients import ClientAddresses
from gateway.ratelimit import RateLimits
from servicekit.problems import Problem
from servicekit.tokens import USERINFO_PATH, OneOfVerifiers, Principal, TokenVerifier, bearer_token

# The exact paths a source calls with its machine token — a push (that token only), and
# its own counts of a month (R-TRF-11; that token or a platform account's): any other
# spelling of them gets the platform's check.
PUSH_PATH = re.compile(r"/api/transfer/sources/[a-z0-9][a-z0-9-]{1,31}/batches")
COUNTS_PATH = re.compile(r"/api/transfer/sources/[a-z0-9][a-z0-9-]{1,31}/"
                         r"reported-counts/[0-9]{4}-(0[1-9]|1[0-2])")


class RequestGuard:
    def __init__(self, verifier: TokenVerifier, limits: RateLimits,
                 clients: ClientAddresses,
                 userinfo_verifier: OneOfVerifiers | TokenVerifier,
                 machine_verifier: TokenVerifier | None = None) -> None:
        # Required, not defaulted to ``verifier``: a guard built without it would refuse
        # partners' tokens at userinfo without anyone noticing why.
        self._verifier = verifier
        self._userinfo_verifier = userinfo_verifier
        self._machine_verifier = machine_verifier
        self._limits = limits
        self._clients = clients

    def admit(self, request: Request) -> Principal | None:
        address = self._clients.client_address(request)
        # The exact path only: any other spelling of it gets the platform's check.
        verifier: OneOfVerifiers | TokenVerifier = self._verifier
        if request.path == USERINFO_PATH:
            verifier = self._userinfo_verifier
        elif self._machine_verifier is not None and PUSH_PATH.fullmatch(request.path):
            verifier = self._machine_verifier
        elif self._machine_verifier is not None and COUNTS_PATH.fullmatch(request.path):
            verifier = OneOfVerifiers(self._machine_verifier, self._verifier)
        try:
            token = bearer_token(request.headers.get("Authorization"))
            principal = verifier.verify(token) if token else None
        except Problem:
            # Made-up tokens spend the address's budget, so guessing is limited too.
            self._limits.hit(None, address)
            raise
        self._limits.hit(principal, address)
        return principal
