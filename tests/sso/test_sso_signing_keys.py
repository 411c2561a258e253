"""Signing keys rotate (R-SSO-1, issue point 2): the next key is in the JWKS before it
signs; tokens signed with the old key verify until they expire; private keys are sealed
at rest."""
from __future__ import annotations

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from jose import jwt as jose_jwt
from sqlalchemy import select

from servicekit.clock import FixedClock
from servicekit.problems import Problem
from servicekit.tokens import JwksKeySource, TokenVerifier
from services.sso.adapters.keys import KeyStore
from services.sso.adapters.sealing import Sealer
from services.sso.adapters.tables.keys import signing_keys


def access_token(sso, browser, teacher, secret) -> str:
    client = OAuth2Session("partner-a", secret, scope="openid", code_challenge_method="S256",
                           redirect_uri="http://127.0.0.1:9/partner-a/callback")
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(sso.url + "/oauth/authorize", code_verifier=verifier)
    callback = browser.sign_in(url, sso.url, teacher.login, teacher.password)
    return client.fetch_token(sso.url + "/oauth/token", authorization_response=callback,
                              code_verifier=verifier)["access_token"]


def kids(sso) -> list[str]:
    return [key["kid"] for key in requests.get(sso.url + "/jwks.json", timeout=5).json()["keys"]]


def fresh_verifier(sso) -> TokenVerifier:
    """A partner's access token is made for userinfo (issue 8 point 11)."""
    return TokenVerifier(sso.url, sso.url + "/oauth/userinfo", JwksKeySource(sso.url + "/jwks.json"))


def test_the_next_key_is_published_before_it_signs_and_old_tokens_verify_until_retired(sso, browser) -> None:
    teacher = sso.teacher("teacher00001")
    _, secret = sso.partner("partner-a")
    old_token = access_token(sso, browser, teacher, secret)
    old_kid = jose_jwt.get_unverified_header(old_token)["kid"]
    published = kids(sso)
    [next_kid] = [kid for kid in published if kid != old_kid]

    config = sso.dependencies.config
    clock = FixedClock(sso.dependencies.clock.now())
    rotator = KeyStore(sso.dependencies.database, lambda: sso.dependencies.sealer, config.key_size,
                       config.key_publish_ahead_seconds, config.access_token_seconds, clock=clock)
    not_yet = rotator.rotate()
    assert not_yet.promoted is None and not_yet.waiting_seconds > 0  # published too recently

    clock.advance(seconds=config.key_publish_ahead_seconds)
    rotated = rotator.rotate()
    assert rotated.promoted == next_kid
    sso.dependencies.keys.forget_cache()
    now_published = kids(sso)
    assert old_kid in now_published and next_kid in now_published and len(now_published) == 3

    new_token = access_token(sso, type(browser)(), teacher, secret)
    assert jose_jwt.get_unverified_header(new_token)["kid"] == next_kid
    verifier = fresh_verifier(sso)
    assert verifier.verify(old_token).client_id == "partner-a"
    assert verifier.verify(new_token).client_id == "partner-a"

    clock.advance(seconds=config.access_token_seconds + 200)
    assert rotator.rotate().removed == [old_kid]
    sso.dependencies.keys.forget_cache()
    assert old_kid not in kids(sso)
    with pytest.raises(Problem):
        fresh_verifier(sso).verify(old_token)


def test_private_keys_are_sealed_at_rest_and_never_published(sso) -> None:
    sso.dependencies.keys.ensure()
    with sso.dependencies.database.session() as session:
        rows = session.execute(select(signing_keys.c.kid, signing_keys.c.private_sealed)).all()
    assert rows
    for row in rows:
        assert "PRIVATE KEY" not in row.private_sealed
        assert b"PRIVATE KEY" in sso.dependencies.sealer.open(row.private_sealed, f"signing-key:{row.kid}")
        with pytest.raises(ValueError):
            Sealer("another key-encryption key").open(row.private_sealed, f"signing-key:{row.kid}")
        with pytest.raises(ValueError):  # sealed for one key, it does not open as another
            sso.dependencies.sealer.open(row.private_sealed, "signing-key:someone-else")
    for key in requests.get(sso.url + "/jwks.json", timeout=5).json()["keys"]:
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
