"""The provider at the gateway's origin (R-SSO-1, R-GW-1): discovery, sign-in pages and the
OIDC endpoints through the real gateway, and the platform client's access token accepted
by the gateway's own token check for the API."""
from __future__ import annotations

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from gateway.app import create_app as create_gateway
from servicekit.settings import Settings


def test_the_whole_flow_at_the_gateways_origin(make_sso, serve, browser) -> None:  # type: ignore[no-untyped-def]
    gateway_server = serve()
    sso = make_sso(issuer=gateway_server.url)
    gateway = create_gateway(Settings.from_env("gateway", {
        "TOKEN_ISSUER": gateway_server.url, "JWKS_URL": sso.url + "/jwks.json", "LOG_LEVEL": "WARNING"},
        service_urls={"sso": sso.url}))
    gateway_server.app = gateway
    try:
        teacher = sso.teacher("teacher00001")
        web = sso.web_client(redirect_uri=gateway_server.url + "/auth/callback")
        metadata = requests.get(gateway_server.url + "/.well-known/openid-configuration", timeout=5).json()
        assert metadata["issuer"] == gateway_server.url
        assert metadata["authorization_endpoint"] == gateway_server.url + "/oauth/authorize"

        client = OAuth2Session("web", scope="openid profile", redirect_uri=web.redirect_uris[0],
                               code_challenge_method="S256", token_endpoint_auth_method="none")
        verifier = generate_token(48)
        url, _ = client.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)
        # A redirect arrives whole through the gateway: the body its Content-Length announces.
        redirected = requests.get(url, allow_redirects=False, timeout=5)
        assert redirected.status_code == 302
        assert len(redirected.content) == int(redirected.headers["Content-Length"])
        callback = browser.sign_in(url, gateway_server.url, teacher.login, teacher.password)
        assert callback.startswith(gateway_server.url + "/auth/callback?code=")
        token = client.fetch_token(metadata["token_endpoint"], authorization_response=callback,
                                   code_verifier=verifier)

        me = requests.get(gateway_server.url + "/api/sso/me", timeout=5,
                          headers={"Authorization": f"Bearer {token['access_token']}"})
        assert me.status_code == 200, me.text
        assert me.json()["subject"] == teacher.account_id and me.json()["roles"] == ["teacher"]
        userinfo = client.get(metadata["userinfo_endpoint"])
        assert userinfo.status_code == 200 and userinfo.json()["sub"] == teacher.account_id
        forged = requests.get(gateway_server.url + "/api/sso/me", timeout=5,
                              headers={"Authorization": f"Bearer {token['access_token'][:-4]}AAAA"})
        assert forged.status_code == 401
    finally:
        gateway.extensions["gateway.upstreams"].close()
