"""The provider at the gateway's origin (R-SSO-1, R-GW-1): discovery, sign-in pages and the
OIDC endpoints through the real gateway, and the platform client's access token accepted
by the gateway's own token check for the API."""
from __future__ import annotations

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from gateway.app import create_app as create_gateway
from servicekit.settings import Settings


@pytest.fixture
def behind_gateway(make_sso, serve):
    """The sso service behind a real gateway whose origin is the issuer: (sso, gateway URL)."""
    gateway_server = serve()
    sso = make_sso(issuer=gateway_server.url)
    gateway = create_gateway(Settings.from_env("gateway", {
        "TOKEN_ISSUER": gateway_server.url, "JWKS_URL": sso.url + "/jwks.json", "LOG_LEVEL": "WARNING"},
        service_urls={"sso": sso.url}))
    gateway_server.app = gateway
    yield sso, gateway_server.url
    gateway.extensions["gateway.upstreams"].close()


def test_the_whole_flow_at_the_gateways_origin(behind_gateway, browser) -> None:
    sso, origin = behind_gateway
    teacher = sso.teacher("teacher00001")
    web = sso.web_client(redirect_uri=origin + "/auth/callback")
    metadata = requests.get(origin + "/.well-known/openid-configuration", timeout=5).json()
    assert metadata["issuer"] == origin
    assert metadata["authorization_endpoint"] == origin + "/oauth/authorize"

    client = OAuth2Session("web", scope="openid profile", redirect_uri=web.redirect_uris[0],
                           code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)
    # A redirect arrives whole through the gateway: the body its Content-Length announces.
    redirected = requests.get(url, allow_redirects=False, timeout=5)
    assert redirected.status_code == 302
    assert len(redirected.content) == int(redirected.headers["Content-Length"])
    callback = browser.sign_in(url, origin, teacher.login, teacher.password)
    assert callback.startswith(origin + "/auth/callback?code=")
    token = client.fetch_token(metadata["token_endpoint"], authorization_response=callback,
                               code_verifier=verifier)

    me = requests.get(origin + "/api/sso/me", timeout=5,
                      headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200, me.text
    assert me.json()["subject"] == teacher.account_id and me.json()["roles"] == ["teacher"]
    userinfo = client.get(metadata["userinfo_endpoint"])
    assert userinfo.status_code == 200 and userinfo.json()["sub"] == teacher.account_id
    forged = requests.get(origin + "/api/sso/me", timeout=5,
                          headers={"Authorization": f"Bearer {token['access_token'][:-4]}AAAA"})
    assert forged.status_code == 401


def test_a_partners_access_token_opens_userinfo_and_nothing_of_the_platform_api(behind_gateway, browser) -> None:
    """Issue 8 point 11 (R-GW-1, R-SSO-3): a partner site's access token is made for
    userinfo. Through the gateway it still opens userinfo, and is refused by the API with
    401 `urn:inservice:problem:invalid-token`; the web client's token still opens both."""
    sso, origin = behind_gateway
    teacher = sso.teacher("teacher00001")
    redirect = "http://127.0.0.1:9/partner-a/callback"
    _, secret = sso.partner("partner-a", redirect, allowed_scopes=("openid", "profile"))
    metadata = requests.get(origin + "/.well-known/openid-configuration", timeout=5).json()
    partner = OAuth2Session("partner-a", secret, scope="openid profile", redirect_uri=redirect,
                            code_challenge_method="S256")
    verifier = generate_token(48)
    url, _ = partner.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)
    callback = browser.sign_in(url, origin, teacher.login, teacher.password)
    token = partner.fetch_token(metadata["token_endpoint"], authorization_response=callback,
                                code_verifier=verifier)
    bearer = {"Authorization": f"Bearer {token['access_token']}"}

    userinfo = requests.get(metadata["userinfo_endpoint"], headers=bearer, timeout=5)
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json()["name"] == "teacher00001 老師"
    assert userinfo.json()["sub"] != teacher.account_id  # pairwise
    posted = requests.post(metadata["userinfo_endpoint"], timeout=5,
                           data={"access_token": token["access_token"]})
    assert posted.status_code == 200, posted.text

    for path in ("/api/sso/me", "/api/courses/courses", "/api/accounts/units"):
        refused = requests.get(origin + path, headers=bearer, timeout=5)
        assert refused.status_code == 401, (path, refused.text)
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert refused.json()["type"] == "urn:inservice:problem:invalid-token"
        assert refused.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    # Any other spelling of the userinfo path gets the platform's check.
    assert requests.get(origin + "/oauth/userinfo/", headers=bearer,
                        timeout=5).status_code == 401

    web = sso.web_client(redirect_uri=origin + "/auth/callback")
    platform = OAuth2Session("web", scope="openid profile", redirect_uri=web.redirect_uris[0],
                             code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = generate_token(48)
    url, _ = platform.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)
    callback = type(browser)().sign_in(url, origin, teacher.login, teacher.password)
    web_token = platform.fetch_token(metadata["token_endpoint"], authorization_response=callback,
                                     code_verifier=verifier)
    web_bearer = {"Authorization": f"Bearer {web_token['access_token']}"}
    me = requests.get(origin + "/api/sso/me", headers=web_bearer, timeout=5)
    assert me.status_code == 200 and me.json()["client_id"] == "web"
    assert requests.get(metadata["userinfo_endpoint"], headers=web_bearer,
                        timeout=5).json()["sub"] == teacher.account_id
