"""servicekit.tokens: the one strict token check every service and the gateway rely on.

A failing test here means some token a service should refuse gets through (or a good one
is refused); the assertion message names which."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from servicekit.problems import Problem
from servicekit.testing.tokens import TokenSigner
from servicekit.tokens import JwksKeySource, Principal, StaticKeySource, TokenVerifier, bearer_token

ISSUER = "https://gateway.example"
AUDIENCE = "inservice-api"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class JwksServer:
    """Serves ``signer.jwks`` as it is at each request, and counts the requests."""

    def __init__(self, signer: TokenSigner) -> None:
        self.signer = signer
        self.fetches = 0
        self.failing = False
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/jwks.json"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05})  # quick to stop
        self._thread.start()

    def _app(self, environ, start_response):
        self.fetches += 1
        if self.failing:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"down"]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(self.signer.jwks).encode()]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def signer() -> TokenSigner:
    return TokenSigner(issuer=ISSUER, audience=AUDIENCE)


@pytest.fixture
def verifier(signer: TokenSigner) -> TokenVerifier:
    return TokenVerifier(ISSUER, AUDIENCE, StaticKeySource(signer.jwks))


@pytest.fixture
def rotating_signer() -> TokenSigner:
    return TokenSigner(issuer=ISSUER, audience=AUDIENCE)


@pytest.fixture
def jwks_server(rotating_signer: TokenSigner) -> Iterator[JwksServer]:
    server = JwksServer(rotating_signer)
    yield server
    server.stop()


def rejection(verifier: TokenVerifier, token: str) -> Problem:
    with pytest.raises(Problem) as caught:
        verifier.verify(token)
    return caught.value


def assert_invalid(verifier: TokenVerifier, token: str, what: str) -> None:
    try:
        verifier.verify(token)
    except Problem as problem:
        assert (problem.status, problem.slug) == (401, "invalid-token"), \
            f"{what}: {problem.to_dict()}"
        assert problem.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
        return
    pytest.fail(f"{what}: the token was accepted")


def test_a_valid_token_gives_its_principal(signer, verifier):
    token = signer.sign(subject="business-7", roles=["business", "viewer"], unit="U-0042",
                        client_id=None, azp="portal", scope="courses:read courses:write")
    principal = verifier.verify(token)
    assert principal == Principal(subject="business-7", roles=frozenset({"business", "viewer"}),
                                  unit="U-0042", authority=None, client_id="portal",
                                  scope=frozenset({"courses:read", "courses:write"}))
    assert principal.has_any_role("admin", "business")
    assert not principal.has_any_role("admin", "reviewer")
    assert principal.claims["iss"] == ISSUER


def test_client_id_claim_wins_over_azp_and_authority_is_read(signer, verifier):
    principal = verifier.verify(signer.sign(roles=["reviewer"], authority="A-01",
                                            client_id="batch", azp="portal"))
    assert (principal.client_id, principal.authority, principal.unit) == ("batch", "A-01", None)


@pytest.mark.parametrize("attack", ["alg none", "HS256 with the DER public key as secret",
                                    "RS256 with a key not in the JWKS", "RS384 by the right key"])
def test_forged_tokens_are_refused(signer, verifier, attack):
    token = {"alg none": signer.unsigned,
             "HS256 with the DER public key as secret": signer.hs256_with_public_key,
             "RS256 with a key not in the JWKS": lambda: signer.impostor().sign(),
             "RS384 by the right key": lambda: signer.sign(algorithm="RS384")}[attack]()
    assert_invalid(verifier, token, attack)


def test_the_algorithm_is_refused_before_any_key_is_looked_up(signer):
    class CountingKeys(StaticKeySource):
        asked = 0

        def get(self, kid):
            CountingKeys.asked += 1
            return super().get(kid)

    verifier = TokenVerifier(ISSUER, AUDIENCE, CountingKeys(signer.jwks))
    assert_invalid(verifier, signer.hs256_with_public_key(), "HS256")
    assert_invalid(verifier, signer.unsigned(), "alg none")
    assert CountingKeys.asked == 0, "the key source was consulted for a token of the wrong alg"


def test_a_symmetric_algorithm_cannot_be_configured(signer):
    with pytest.raises(ValueError):
        TokenVerifier(ISSUER, AUDIENCE, StaticKeySource(signer.jwks), algorithm="HS256")


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "iss", "aud"])
def test_a_token_missing_a_required_claim_is_refused(signer, verifier, claim):
    assert_invalid(verifier, signer.sign(**{claim: None}), f"token without {claim}")


@pytest.mark.parametrize("claims, what", [
    ({"iss": "https://elsewhere.example"}, "wrong issuer"),
    ({"aud": "another-api"}, "wrong audience"),
    ({"expires_in": -40}, "expired beyond the 30 s leeway"),
    ({"iat": int(time.time()) + 3600}, "issued in the future"),
    ({"roles": "admin"}, "roles not a list"),
    ({"scope": ["a", "b"]}, "scope not a string"),
    ({"unit": 42}, "unit not a string"),
    ({"subject": ""}, "empty subject"),
    ({"kid": ""}, "no kid"),
    ({"kid": "not-published"}, "unknown kid"),
])
def test_a_token_with_bad_claims_or_header_is_refused(signer, verifier, claims, what):
    assert_invalid(verifier, signer.sign(**claims), what)


def test_a_token_expired_within_the_leeway_still_passes(signer, verifier):
    assert verifier.verify(signer.sign(expires_in=-10)).subject == "teacher-1"


@pytest.mark.parametrize("junk", ["", "abc", "a.b.c", "x" * 9000, "eyJhbGciOiJSUzI1NiJ9.e30.AAAA"])
def test_junk_is_refused_with_a_short_detail(verifier, junk):
    problem = rejection(verifier, junk)
    assert problem.status == 401 and len(problem.detail or "") < 60, problem.to_dict()


def test_bearer_header_parsing_is_strict():
    assert bearer_token(None) is None
    assert bearer_token("Basic dXNlcjpwYXNz") is None, "another scheme is not a bearer token"
    assert bearer_token("Bearer abc.def-_~+/=") == "abc.def-_~+/="
    assert bearer_token("bearer abc") == "abc", "the scheme is case-insensitive (RFC 9110)"
    for malformed in ("Bearer", "Bearer ", "Bearer  abc", "Bearer a b", "Bearer a,b"):
        with pytest.raises(Problem) as caught:
            bearer_token(malformed)
        assert caught.value.status == 401, malformed


def test_jwks_is_fetched_once_and_cached(jwks_server, rotating_signer):
    keys = JwksKeySource(jwks_server.url)
    verifier = TokenVerifier(ISSUER, AUDIENCE, keys)
    for _ in range(3):
        verifier.verify(rotating_signer.sign())
    assert jwks_server.fetches == 1, "the JWKS should be fetched once, then served from cache"


def test_unknown_kids_refresh_at_most_once_per_interval(jwks_server, rotating_signer):
    clock = FakeClock()
    verifier = TokenVerifier(ISSUER, AUDIENCE, JwksKeySource(jwks_server.url, clock=clock))
    verifier.verify(rotating_signer.sign())
    assert jwks_server.fetches == 1

    clock.now += 31
    for index in range(20):  # a flood of made-up kids
        assert_invalid(verifier, rotating_signer.sign(kid=f"made-up-{index}"), "unknown kid")
    assert jwks_server.fetches == 2, "an unknown kid must refresh exactly once per 30 s"

    clock.now += 29
    assert_invalid(verifier, rotating_signer.sign(kid="made-up-again"), "unknown kid")
    assert jwks_server.fetches == 2, "a refresh within 30 s of the last one was made"

    clock.now += 2
    assert_invalid(verifier, rotating_signer.sign(kid="made-up-later"), "unknown kid")
    assert jwks_server.fetches == 3, "after 30 s an unknown kid should refresh again"


def test_key_rotation_old_tokens_pass_and_the_new_kid_is_picked_up(jwks_server, rotating_signer):
    clock = FakeClock()
    verifier = TokenVerifier(ISSUER, AUDIENCE, JwksKeySource(jwks_server.url, clock=clock))
    old_token = rotating_signer.sign()
    verifier.verify(old_token)

    old_kid = rotating_signer.kid
    new_kid = rotating_signer.rotate()
    clock.now += 31
    new_token = rotating_signer.sign(subject="after-rotation")
    assert verifier.verify(new_token).subject == "after-rotation"
    assert jwks_server.fetches == 2, "the new kid should have been fetched by one refresh"
    assert verifier.verify(old_token).subject == "teacher-1", "the old key is still published"

    rotating_signer.retire(old_kid)
    clock.now += 301  # past the cache's ttl
    assert_invalid(verifier, old_token, "token of a retired key")
    assert rotating_signer.kid == new_kid


def test_a_failed_refresh_keeps_the_known_keys(jwks_server, rotating_signer):
    clock = FakeClock()
    verifier = TokenVerifier(ISSUER, AUDIENCE, JwksKeySource(jwks_server.url, clock=clock))
    token = rotating_signer.sign()
    verifier.verify(token)
    jwks_server.failing = True
    clock.now += 301
    assert verifier.verify(token).subject == "teacher-1", "keys were dropped when sso failed"
    assert jwks_server.fetches == 2


def test_without_any_key_the_answer_is_503_not_401(jwks_server, rotating_signer):
    """The token may be fine: a client must not be told to throw it away."""
    jwks_server.failing = True
    verifier = TokenVerifier(ISSUER, AUDIENCE, JwksKeySource(jwks_server.url, clock=FakeClock()))
    problem = rejection(verifier, rotating_signer.sign())
    assert (problem.status, problem.slug) == (503, "service-unavailable"), problem.to_dict()


def test_a_published_key_of_another_type_or_use_is_not_used(signer):
    published = signer.jwks["keys"][0]
    wrong_type = {**published, "kty": "EC"}
    encryption_key = {**published, "use": "enc"}
    for jwk_dict in (wrong_type, encryption_key):
        verifier = TokenVerifier(ISSUER, AUDIENCE, StaticKeySource({"keys": [jwk_dict]}))
        assert_invalid(verifier, signer.sign(), f"key {jwk_dict['kty']}/{jwk_dict['use']}")


def test_a_key_replaced_under_the_same_kid_is_the_new_key_only(signer):
    """The key objects are kept per key (its public members), not per ``kid``: a JWKS
    that serves another key under a known ``kid`` is read as that key."""
    old_token = signer.sign(subject="old-key")
    before = TokenVerifier(ISSUER, AUDIENCE, StaticKeySource(signer.jwks))
    assert before.verify(old_token).subject == "old-key"
    replacing = TokenSigner(issuer=ISSUER, audience=AUDIENCE, kid=signer.kid)
    after = TokenVerifier(ISSUER, AUDIENCE, StaticKeySource(replacing.jwks))
    assert after.verify(replacing.sign(subject="new-key")).subject == "new-key"
    assert_invalid(after, old_token, "a token of the key replaced")


def test_the_platform_verifier_takes_only_its_own_clients_tokens(signer):
    """Issue 8 point 11 (R-GW-1): even for the API's audience, a token issued to another
    client (a partner site), or naming no client, is refused as invalid-token."""
    platform = TokenVerifier(ISSUER, AUDIENCE, StaticKeySource(signer.jwks),
                             clients=("web", "batch"))
    assert platform.verify(signer.sign(client_id="web")).client_id == "web"
    assert platform.verify(signer.sign(client_id=None, azp="batch")).client_id == "batch"
    for what, token in (("a partner's", signer.sign(roles=[], client_id="partner-a")),
                        ("no client at all", signer.sign(client_id=None)),
                        ("an empty client", signer.sign(client_id=""))):
        assert_invalid(platform, token, what)


def test_userinfo_takes_a_partners_token_or_the_platforms_and_no_other(signer):
    from servicekit.tokens import OneOfVerifiers, userinfo_audience
    userinfo = userinfo_audience(ISSUER + "/")
    assert userinfo == ISSUER + "/oauth/userinfo"
    keys = StaticKeySource(signer.jwks)
    either = OneOfVerifiers(TokenVerifier(ISSUER, userinfo, keys),
                            TokenVerifier(ISSUER, AUDIENCE, keys, clients=("web",)))
    assert either.verify(signer.sign(aud=userinfo, client_id="partner-a")).client_id == "partner-a"
    assert either.verify(signer.sign(client_id="web")).client_id == "web"
    assert_invalid(either, signer.sign(client_id="partner-a"), "a partner's token for the API")
    assert_invalid(either, signer.sign(aud="another-api"), "another audience")
    assert_invalid(either, signer.hs256_with_public_key(aud=userinfo), "HS256 key confusion")
