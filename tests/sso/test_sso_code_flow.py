"""R-SSO-1, issue point 1: the provider as an independent client library sees it.

Authlib's ``OAuth2Session`` plays the partner site; joserfc (not python-jose) checks the
id token against the JWKS by ``kid``; the kit's ``TokenVerifier`` with ``JwksKeySource``
pointed at the JWKS — what the gateway and every service run — accepts the access token.
"""
from __future__ import annotations

import time

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core.util import create_half_hash
from joserfc import jwt
from joserfc.jwk import KeySet

from servicekit.problems import Problem
from servicekit.tokens import JwksKeySource, TokenVerifier

REDIRECT = "http://127.0.0.1:9/partner/callback"


def partner_session(sso, client_id="partner-a", secret=None, redirect=REDIRECT,
                    scope="openid profile email school"):
    return OAuth2Session(client_id, secret, scope=scope, redirect_uri=redirect,
                         code_challenge_method="S256")


def full_flow(sso, browser, client, login, password):
    """The partner's redirect, the person signing in, the partner's code exchange."""
    metadata = sso.metadata()
    verifier, nonce = generate_token(48), generate_token(20)
    url, _state = client.create_authorization_url(metadata["authorization_endpoint"],
                                                  code_verifier=verifier, nonce=nonce)
    callback = browser.sign_in(url, sso.url, login, password)
    token = client.fetch_token(metadata["token_endpoint"], authorization_response=callback,
                               code_verifier=verifier)
    return token, nonce


def test_discovery_names_the_issuer_and_only_what_is_supported(sso) -> None:
    metadata = sso.metadata()
    assert metadata["issuer"] == sso.url
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
                 "revocation_endpoint", "end_session_endpoint", "introspection_endpoint"):
        assert metadata[name].startswith(sso.url + "/"), name
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(metadata["subject_types_supported"]) == {"public", "pairwise"}
    jwks = requests.get(metadata["jwks_uri"], timeout=5).json()
    assert len(jwks["keys"]) == 2  # the current key and the next one, already published
    assert all(set(key) >= {"kid", "kty", "n", "e", "alg", "use"} and "d" not in key
               for key in jwks["keys"])


def test_code_flow_with_pkce_gives_an_id_token_that_checks_out(sso, browser) -> None:
    teacher = sso.teacher("teacher00001")
    _, secret = sso.partner("partner-a", REDIRECT)
    client = partner_session(sso, secret=secret)
    token, nonce = full_flow(sso, browser, client, teacher.login, teacher.password)

    metadata = sso.metadata()
    keys = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=5).json())
    id_token = jwt.decode(token["id_token"], keys, algorithms=["RS256"])  # by the header's kid
    assert id_token.header["alg"] == "RS256" and id_token.header["kid"]
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": sso.url}, aud={"essential": True, "value": "partner-a"},
        sub={"essential": True}, exp={"essential": True}, iat={"essential": True},
        nonce={"essential": True, "value": nonce},
        at_hash={"essential": True, "value": create_half_hash(token["access_token"], "RS256").decode()},
    ).validate(id_token.claims)
    assert id_token.claims["exp"] > time.time()
    # A partner never learns the platform's account id.
    assert id_token.claims["sub"] != teacher.account_id

    userinfo = client.get(metadata["userinfo_endpoint"]).json()
    assert userinfo == {"sub": id_token.claims["sub"], "name": "teacher00001 老師",
                        "email": "teacher00001@school.example.tw", "school_code": "353301",
                        "county_code": "TPE"}


def test_the_access_token_passes_the_verifier_every_service_uses(sso, browser) -> None:
    teacher = sso.teacher("teacher00002")
    web = sso.web_client()
    client = OAuth2Session("web", scope="openid profile", redirect_uri=web.redirect_uris[0],
                           code_challenge_method="S256", token_endpoint_auth_method="none")
    token, _ = full_flow(sso, browser, client, teacher.login, teacher.password)
    verifier = TokenVerifier(sso.url, "inservice-api", JwksKeySource(sso.url + "/jwks.json"))
    principal = verifier.verify(token["access_token"])
    # The platform's own client: the account id and the roles the services authorise on.
    assert principal.subject == teacher.account_id
    assert principal.roles == {"teacher"} and principal.client_id == "web"
    me = requests.get(sso.url + "/me", timeout=5,
                      headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert me["subject"] == teacher.account_id and me["roles"] == ["teacher"]


def test_a_partner_access_token_is_for_userinfo_only(sso, browser) -> None:
    """Issue 8 point 11 (R-GW-1): a partner's access token names the userinfo endpoint as
    its audience and carries no roles; the platform API's verifier refuses it."""
    teacher = sso.teacher("teacher00003")
    _, secret = sso.partner("partner-a", REDIRECT)
    token, _ = full_flow(sso, browser, partner_session(sso, secret=secret), teacher.login,
                         teacher.password)
    keys = JwksKeySource(sso.url + "/jwks.json")
    for_userinfo = TokenVerifier(sso.url, sso.url + "/oauth/userinfo", keys)
    principal = for_userinfo.verify(token["access_token"])
    assert principal.roles == frozenset() and principal.client_id == "partner-a"
    assert principal.claims["aud"] == sso.url + "/oauth/userinfo"
    with pytest.raises(Problem) as refused_by_the_api:
        TokenVerifier(sso.url, "inservice-api", keys).verify(token["access_token"])
    assert refused_by_the_api.value.slug == "invalid-token"
    refused = requests.get(sso.url + "/me", timeout=5,
                           headers={"Authorization": f"Bearer {token['access_token']}"})
    assert refused.status_code == 401
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["type"] == "urn:inservice:problem:invalid-token"


def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_family(sso, browser) -> None:
    teacher = sso.teacher("teacher00004")
    _, secret = sso.partner("partner-a", REDIRECT)
    client = partner_session(sso, secret=secret, scope="openid offline_access")
    first, _ = full_flow(sso, browser, client, teacher.login, teacher.password)
    token_url = sso.metadata()["token_endpoint"]

    second = client.refresh_token(token_url, refresh_token=first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    third = client.refresh_token(token_url, refresh_token=second["refresh_token"])

    # The first refresh token again: somebody copied it. The whole grant ends.
    reused = requests.post(token_url, auth=("partner-a", secret), timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    still = requests.post(token_url, auth=("partner-a", secret), timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": third["refresh_token"]})
    assert still.status_code == 400 and still.json()["error"] == "invalid_grant"
    userinfo = requests.get(sso.metadata()["userinfo_endpoint"], timeout=5,
                            headers={"Authorization": f"Bearer {third['access_token']}"})
    assert userinfo.status_code == 401


def test_revocation_ends_the_grant_and_introspection_says_so(sso, browser) -> None:
    teacher = sso.teacher("teacher00005")
    _, secret = sso.partner("partner-a", REDIRECT)
    client = partner_session(sso, secret=secret, scope="openid offline_access")
    token, _ = full_flow(sso, browser, client, teacher.login, teacher.password)
    metadata = sso.metadata()
    introspect = metadata["introspection_endpoint"]

    def active(value: str) -> bool:
        answer = requests.post(introspect, auth=("partner-a", secret), data={"token": value}, timeout=5)
        assert answer.status_code == 200
        return answer.json()["active"]

    assert active(token["access_token"]) and active(token["refresh_token"])
    revoked = client.revoke_token(metadata["revocation_endpoint"], token=token["refresh_token"],
                                  token_type_hint="refresh_token")
    assert revoked.status_code == 200
    assert not active(token["access_token"]) and not active(token["refresh_token"])
    again = requests.post(metadata["token_endpoint"], auth=("partner-a", secret), timeout=5,
                          data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
    assert again.json()["error"] == "invalid_grant"
    # An unknown token is no error (RFC 7009 2.2); wrong client credentials are.
    assert requests.post(metadata["revocation_endpoint"], auth=("partner-a", secret),
                         data={"token": "nothing-like-it"}, timeout=5).status_code == 200
    assert requests.post(metadata["revocation_endpoint"], auth=("partner-a", "wrong"),
                         data={"token": token["access_token"]}, timeout=5).status_code == 401


def test_a_session_at_the_provider_signs_in_to_the_next_client_without_a_password(sso, browser) -> None:
    teacher = sso.teacher("teacher00006")
    _, secret_a = sso.partner("partner-a", REDIRECT)
    _, secret_b = sso.partner("partner-b", "http://127.0.0.1:9/b/callback")
    full_flow(sso, browser, partner_session(sso, secret=secret_a), teacher.login, teacher.password)
    client_b = partner_session(sso, "partner-b", secret_b, "http://127.0.0.1:9/b/callback")
    verifier = generate_token(48)
    url, _ = client_b.create_authorization_url(sso.metadata()["authorization_endpoint"],
                                               code_verifier=verifier, nonce="n-b")
    answer = browser.get(url)
    assert answer.status_code == 302 and answer.headers["Location"].startswith(
        "http://127.0.0.1:9/b/callback?code=")
    token = client_b.fetch_token(sso.metadata()["token_endpoint"],
                                 authorization_response=answer.headers["Location"],
                                 code_verifier=verifier)
    assert "id_token" in token
