"""What one teacher's sign-in spends of the anonymous budget of the address it comes from
(R-GW-1), written by hand: the rate limit defaults are sized on it (docs/architecture.md).

``SIGN_IN`` is what a real sign-in through the gateway costs, request by request;
tests/sso/test_sso_sign_in_budget.py checks it against one. ``AROUND_A_SIGN_IN`` is what a
browser and the web client add, counted generously. After the token, the teacher's calls
carry it and spend the teacher's own budget, not the address's.
"""
from __future__ import annotations

SIGN_IN = (
    ("GET", "/.well-known/openid-configuration"),  # the web client finds the endpoints
    ("GET", "/oauth/authorize"),                   # answered with a redirect to the page
    ("GET", "/login"),                             # the sign-in page
    ("POST", "/login"),                            # answered with a redirect to the client
    ("POST", "/oauth/token"),                      # the code for the tokens
)
AROUND_A_SIGN_IN = (
    ("POST", "/login"),                            # one mistyped password
    ("GET", "/favicon.ico"),                       # the browser's first visit to the origin
    ("GET", "/jwks.json"),                         # the web client checks the ID token
    ("GET", "/api/sso/notices"),                   # the public landing page's calls
    ("GET", "/api/accounts/authorities"),
)
SCHOOL = 200  # teachers signing in within the same minute behind one address
