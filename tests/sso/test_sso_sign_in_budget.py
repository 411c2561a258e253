"""What a real sign-in through the gateway costs its address (R-GW-1, R-SSO-1): the
requests the gateway's limiter counts against the address, and those it counts against
the teacher once the token is there. The rate limit defaults are sized on this sequence
(tests/gateway/sign_in_sequence.py, docs/architecture.md); a change to the sign-in that
costs more requests fails here, so the sizing is looked at again."""
from __future__ import annotations

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from flask import request as current_request

from gateway.app import create_app as create_gateway
from gateway.ratelimit import RateLimits
from servicekit.settings import Settings
from tests.gateway.sign_in_sequence import SIGN_IN


def test_one_sign_in_through_the_gateway_costs_its_address_five_requests(
        make_sso, serve, browser, monkeypatch):
    counted: list[tuple[str, str, str]] = []
    count = RateLimits.hit

    def counting(self, principal, address):
        budget = "address" if principal is None else "teacher"
        counted.append((budget, current_request.method, current_request.path))
        return count(self, principal, address)

    monkeypatch.setattr(RateLimits, "hit", counting)
    gateway_server = serve()
    sso = make_sso(issuer=gateway_server.url)
    gateway = create_gateway(Settings.from_env("gateway", {
        "TOKEN_ISSUER": gateway_server.url, "JWKS_URL": sso.url + "/jwks.json",
        "LOG_LEVEL": "WARNING"}, service_urls={"sso": sso.url}))
    gateway_server.app = gateway
    try:
        teacher = sso.teacher("teacher00001")
        web = sso.web_client(redirect_uri=gateway_server.url + "/auth/callback")
        metadata = browser.get(gateway_server.url + "/.well-known/openid-configuration").json()
        client = OAuth2Session("web", scope="openid profile", redirect_uri=web.redirect_uris[0],
                               code_challenge_method="S256", token_endpoint_auth_method="none")
        verifier = generate_token(48)
        url, _ = client.create_authorization_url(metadata["authorization_endpoint"],
                                                 code_verifier=verifier)
        callback = browser.sign_in(url, gateway_server.url, teacher.login, teacher.password)
        token = client.fetch_token(metadata["token_endpoint"], authorization_response=callback,
                                   code_verifier=verifier)
        me = requests.get(gateway_server.url + "/api/sso/me", timeout=5,
                          headers={"Authorization": f"Bearer {token['access_token']}"})
        assert me.status_code == 200, me.text
    finally:
        gateway.extensions["gateway.upstreams"].close()

    assert [(method, path) for budget, method, path in counted if budget == "address"] == \
        list(SIGN_IN)
    assert [(method, path) for budget, method, path in counted if budget == "teacher"] == \
        [("GET", "/api/sso/me")]
