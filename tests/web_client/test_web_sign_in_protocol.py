"""Issue 14 point 1: the web client's side of OpenID Connect (web/oidc.py) against a fake
of the gateway's API: PKCE S256, the ID token checked for this sign-in, refresh keeping
the hint for logout, and the outage told apart from a refusal."""
from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from jose import jwt
from web_fakes import FakeApi

from servicekit.settings import Settings
from web.api import Answer, ApiUnavailable
from web.oidc import OidcProvider, PendingSignIn, SignInFailed, Tokens
from web.settings import WebSettings

ISSUER = "https://inservice.example.org"
DISCOVERY = {"issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/oauth/authorize",
             "token_endpoint": f"{ISSUER}/oauth/token", "end_session_endpoint": f"{ISSUER}/logout"}


def provider(tmp_path, api: FakeApi) -> OidcProvider:
    base = Settings.from_env("web", {"DATA_DIR": str(tmp_path), "PUBLIC_URL": ISSUER})
    api.answer("GET", "/.well-known/openid-configuration", Answer(200, DISCOVERY))
    return OidcProvider(api, WebSettings.from_settings(base))  # type: ignore[arg-type]


def id_token(nonce: str, audience: str = "web", issuer: str = ISSUER) -> str:
    return jwt.encode({"iss": issuer, "aud": audience, "sub": "s", "nonce": nonce}, "k",
                      algorithm="HS256")


def test_the_authorization_request_carries_an_s256_challenge_of_the_verifier(tmp_path) -> None:
    pending = PendingSignIn.new()
    url = provider(tmp_path, FakeApi()).authorize_url(pending, "zh_TW")
    query = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
    expected = base64.urlsafe_b64encode(
        hashlib.sha256(pending.verifier.encode()).digest()).rstrip(b"=").decode()
    assert url.startswith(f"{ISSUER}/oauth/authorize?")
    assert query["code_challenge"] == expected and query["code_challenge_method"] == "S256"
    assert query["client_id"] == "web" and query["redirect_uri"] == f"{ISSUER}/auth/callback"
    assert query["state"] == pending.state and query["nonce"] == pending.nonce
    assert query["ui_locales"] == "zh-TW"


def test_the_code_is_redeemed_through_the_gateway_with_the_verifier(tmp_path) -> None:
    api, pending = FakeApi(), PendingSignIn.new()
    api.answer("POST", "/oauth/token", Answer(200, {
        "access_token": "a", "refresh_token": "r", "expires_in": 300,
        "id_token": id_token(pending.nonce)}))
    tokens = provider(tmp_path, api).exchange("the-code", pending)
    [call] = api.to("POST", "/oauth/token")
    assert call.data == {"grant_type": "authorization_code", "code": "the-code",
                         "redirect_uri": f"{ISSUER}/auth/callback",
                         "code_verifier": pending.verifier, "client_id": "web"}
    assert tokens.access_token == "a" and tokens.expires_at > time.time() + 250


@pytest.mark.parametrize("token", [
    id_token("another nonce"), id_token("NONCE", audience="demo-partner"),
    id_token("NONCE", issuer="https://elsewhere.example"), None])
def test_an_id_token_not_made_for_this_sign_in_is_refused(tmp_path, token) -> None:
    api, pending = FakeApi(), PendingSignIn("state", "NONCE", "verifier")
    api.answer("POST", "/oauth/token", Answer(200, {"access_token": "a", "id_token": token}))
    with pytest.raises(SignInFailed):
        provider(tmp_path, api).exchange("code", pending)


def test_a_refused_code_is_a_failed_sign_in(tmp_path) -> None:
    api = FakeApi()
    api.answer("POST", "/oauth/token", Answer(400, {"error": "invalid_grant"}))
    with pytest.raises(SignInFailed):
        provider(tmp_path, api).exchange("code", PendingSignIn.new())


def test_a_refresh_keeps_the_id_token_for_the_logout_hint(tmp_path) -> None:
    api = FakeApi()
    api.answer("POST", "/oauth/token", Answer(200, {"access_token": "a2", "refresh_token": "r2",
                                                    "expires_in": 300}))
    renewed = provider(tmp_path, api).refresh(Tokens("a1", "r1", "the-id-token", 0))
    assert (renewed.access_token, renewed.refresh_token, renewed.id_token) == \
        ("a2", "r2", "the-id-token")
    assert api.to("POST", "/oauth/token")[0].data["refresh_token"] == "r1"
    url = provider(tmp_path, FakeApi()).end_session_url(renewed.id_token)
    query = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
    assert query == {"client_id": "web", "post_logout_redirect_uri": f"{ISSUER}/",
                     "id_token_hint": "the-id-token"}


def test_the_sso_not_answering_is_an_outage_not_a_refusal(tmp_path) -> None:
    api = FakeApi()
    web = provider(tmp_path, api)
    api.answer("GET", "/.well-known/openid-configuration", Answer(404, {}))
    with pytest.raises(ApiUnavailable):
        web.authorize_url(PendingSignIn.new(), "en")
