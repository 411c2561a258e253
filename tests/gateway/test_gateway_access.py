"""R-GW-1: token check, rate limits and CORS at the gateway.

A failure means a bad token reached a service, a client got more than its share, or a
browser would be refused (or allowed) wrongly; the message says which."""
from __future__ import annotations

import pytest

ANONYMOUS_3 = {"RATE_LIMIT_ANONYMOUS": "3/minute", "RATE_LIMIT_AUTHENTICATED": "5/minute"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_valid_token_is_passed_through_unchanged(gateway, services, signer):
    """R-GW-1: the service gets the very Authorization header, to verify it again."""
    token = signer.sign(subject="teacher-42")
    response = gateway.get("/api/courses/units", headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert services["courses"].calls[0]["headers"]["Authorization"] == f"Bearer {token}"


BAD_TOKENS = {
    "expired": lambda signer: signer.sign(expires_in=-600),
    "foreign key": lambda signer: signer.impostor().sign(),
    "hs256 key confusion": lambda signer: signer.hs256_with_public_key(),
    "alg none": lambda signer: signer.unsigned(),
    "wrong audience": lambda signer: signer.sign(aud="another-api"),
    "malformed header": lambda signer: "not a token",
}


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
def test_a_bad_token_is_401_and_never_forwarded(gateway, services, signer, kind,
                                                 assert_problem):
    """R-GW-1: a bad token stops at the gateway as problem+json."""
    headers = bearer(BAD_TOKENS[kind](signer))
    response = gateway.get("/api/courses/units", headers=headers)
    assert_problem(response, 401, "invalid-token")
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert not services["courses"].calls, f"a request with a {kind} token reached the service"


PARTNER_TOKENS = {
    "for userinfo": lambda signer: signer.sign(roles=[], aud=signer.issuer + "/oauth/userinfo",
                                               client_id="partner-a"),
    "of a partner, for the API": lambda signer: signer.sign(roles=[], client_id="partner-a"),
    "of no client": lambda signer: signer.sign(client_id=None),
}


@pytest.mark.parametrize("kind", list(PARTNER_TOKENS))
def test_only_the_platforms_own_clients_tokens_reach_the_api(gateway, services, signer, kind,
                                                             assert_problem):
    """Issue 8 point 11 (R-GW-1): a partner site's access token (made for the sso userinfo
    endpoint), or any token not issued to one of PLATFORM_CLIENTS, is refused."""
    response = gateway.get("/api/courses/units", headers=bearer(PARTNER_TOKENS[kind](signer)))
    assert_problem(response, 401, "invalid-token")
    assert not services["courses"].calls, f"a token {kind} reached the service"


def test_userinfo_alone_takes_a_partners_token(gateway, services, signer, assert_problem):
    """The exact userinfo path lets a partner's token through to sso (which checks it
    again), as it does the platform's own; a made-up token stops here."""
    partner = PARTNER_TOKENS["for userinfo"](signer)
    assert gateway.get("/oauth/userinfo", headers=bearer(partner)).status_code == 200
    assert gateway.get("/oauth/userinfo", headers=bearer(signer.sign())).status_code == 200
    def forwarded() -> list[str]:  # the JWKS is fetched from sso too
        return [call["path"] for call in services["sso"].calls if call["path"] != "/jwks.json"]

    assert forwarded() == ["/oauth/userinfo"] * 2
    assert_problem(gateway.get("/oauth/userinfo", headers=bearer(signer.sign(aud="another-api"))),
                   401, "invalid-token")
    assert_problem(gateway.get("/api/sso/me", headers=bearer(partner)), 401, "invalid-token")
    assert forwarded() == ["/oauth/userinfo"] * 2


def test_a_transfer_push_alone_takes_a_sources_machine_token(gateway, services, signer,
                                                            assert_problem):
    """R-TRF-2: a source's client-credentials token (the transfer audience) reaches the
    exact push path of the transfer service and nothing else; made-up tokens stop here."""
    machine = signer.sign(subject="source-tpe-edu", roles=[], aud="inservice-transfer",
                          client_id="source-tpe-edu", scope="transfer", source="tpe-edu")
    push = "/api/transfer/sources/tpe-edu/batches"
    assert gateway.post(push, json={}, headers=bearer(machine)).status_code == 200
    assert [c["path"] for c in services["transfer"].calls] == ["/sources/tpe-edu/batches"]
    for elsewhere in ("/api/transfer/sources/tpe-edu", "/api/courses/units",
                      "/api/transfer/sources/tpe-edu/batches/x"):
        assert_problem(gateway.get(elsewhere, headers=bearer(machine)), 401, "invalid-token")
    assert_problem(gateway.post(push, json={}, headers=bearer(signer.sign(aud="another"))),
                   401, "invalid-token")
    assert len(services["transfer"].calls) == 1


def test_a_sources_monthly_counts_take_its_machine_token_and_a_service_token_stops(
        gateway, services, signer, assert_problem):
    """R-TRF-11 (issue 12 item 6): a source states its counts of a month with its machine
    token through the gateway, or its unit's staff with their platform token; a platform
    service's own token (issue 12 item 5) is for calls between services and opens nothing
    here."""
    machine = signer.sign(subject="source-tpe-edu", roles=[], aud="inservice-transfer",
                          client_id="source-tpe-edu", scope="transfer", source="tpe-edu")
    counts = "/api/transfer/sources/tpe-edu/reported-counts/2026-03"
    assert gateway.put(counts, json={}, headers=bearer(machine)).status_code == 200
    assert [c["path"] for c in services["transfer"].calls] == [
        "/sources/tpe-edu/reported-counts/2026-03"]
    for elsewhere in ("/api/transfer/sources/tpe-edu/reported-counts/2026-13",
                      "/api/transfer/sources/tpe-edu/reported-counts/2026-03/x"):
        assert_problem(gateway.put(elsewhere, json={}, headers=bearer(machine)), 401,
                       "invalid-token")
    staff = signer.sign(subject="business-1", roles=["business"], unit="313301")
    assert gateway.put(counts, json={}, headers=bearer(staff)).status_code == 200
    assert len(services["transfer"].calls) == 2
    assert_problem(gateway.put(counts, json={}, headers=bearer(signer.sign(aud="another"))),
                   401, "invalid-token")
    assert_problem(gateway.post("/api/transfer/sources/tpe-edu/batches", json={},
                                headers=bearer(staff)), 401, "invalid-token")
    service = signer.sign(subject="service-transfer", roles=[], aud="inservice-accounts",
                          client_id="service-transfer", scope="accounts.teachers.lookup")
    assert_problem(gateway.post("/api/accounts/teachers/service-lookups", json={},
                                headers=bearer(service)), 401, "invalid-token")
    assert not services["accounts"].calls


def test_more_platform_clients_are_a_setting(make_gateway, services, signer):
    gateway = make_gateway(env={"PLATFORM_CLIENTS": "web, batch-import"})
    token = signer.sign(client_id="batch-import")
    assert gateway.get("/api/courses/units", headers=bearer(token)).status_code == 200


def test_a_request_without_token_passes_as_anonymous(gateway, services):
    """R-GW-1: services decide per endpoint whether a token is needed."""
    assert gateway.get("/api/courses/catalogue").status_code == 200
    assert "Authorization" not in services["courses"].calls[0]["headers"]


def test_made_up_kids_fetch_the_jwks_once(gateway, services, signer):
    """R-GW-1: a flood of unknown kids cannot hammer the sso service."""
    gateway.get("/api/courses/units", headers=bearer(signer.sign()))
    for index in range(10):
        response = gateway.get("/api/courses/units", headers=bearer(signer.sign(kid=f"x{index}")))
        assert response.status_code == 401
    assert len(services["sso"].calls_to("/jwks.json")) == 1


def test_anonymous_clients_are_limited_by_address_with_retry_after(make_gateway, services,
                                                                  assert_problem):
    """R-GW-1: past the limit, 429 problem+json with an integer Retry-After ≥ 1."""
    gateway = make_gateway(env=ANONYMOUS_3)
    statuses = [gateway.get("/api/courses/units").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = gateway.get("/api/courses/units")
    assert_problem(response, 429, "rate-limited")
    assert int(response.headers["Retry-After"]) >= 1
    assert len(services["courses"].calls) == 3, "a request over the limit was forwarded"


def test_authenticated_clients_have_their_own_budget(make_gateway, signer):
    """R-GW-1: the key is the token's subject, with the authenticated limit."""
    gateway = make_gateway(env=ANONYMOUS_3)
    for _ in range(3):
        gateway.get("/api/courses/units")
    assert gateway.get("/api/courses/units").status_code == 429

    alice, bob = bearer(signer.sign(subject="alice")), bearer(signer.sign(subject="bob"))
    statuses = [gateway.get("/api/courses/units", headers=alice).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429], "the authenticated limit (5/minute) was not applied"
    assert gateway.get("/api/courses/units", headers=bob).status_code == 200, \
        "one subject's requests counted against another's"


def test_failed_tokens_spend_the_address_budget(make_gateway, signer):
    """R-GW-1: guessing tokens is rate limited like any anonymous request."""
    gateway = make_gateway(env=ANONYMOUS_3)
    forged = bearer(signer.impostor().sign())
    statuses = [gateway.get("/api/courses/units", headers=forged).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_addresses_behind_a_trusted_proxy_are_limited_apart(make_gateway):
    """R-GW-1: X-Forwarded-For names the client only when TRUSTED_PROXIES says so."""
    untrusted = make_gateway(env=ANONYMOUS_3)
    for index in range(3):
        untrusted.get("/api/courses/units", headers={"X-Forwarded-For": f"198.51.100.{index}"})
    response = untrusted.get("/api/courses/units", headers={"X-Forwarded-For": "198.51.100.9"})
    assert response.status_code == 429, "a client escaped its limit by claiming another address"

    trusted = make_gateway(env={**ANONYMOUS_3, "TRUSTED_PROXIES": "127.0.0.1"})
    statuses = [trusted.get("/api/courses/units",
                            headers={"X-Forwarded-For": f"198.51.100.{index}"}).status_code
                for index in range(5)]
    assert statuses == [200] * 5, "clients behind the trusted proxy shared one budget"


def test_health_readiness_metrics_and_openapi_are_not_limited(make_gateway):
    """R-GW-1: probes and scrapers never see 429."""
    gateway = make_gateway(env={"RATE_LIMIT_ANONYMOUS": "1/minute"})
    for path in ("/healthz", "/readyz", "/metrics", "/api/openapi.json"):
        statuses = {gateway.get(path).status_code for _ in range(3)}
        assert 429 not in statuses, f"{path} was rate limited"


def test_cors_preflight_is_answered_by_the_gateway(gateway, services):
    """R-GW-1: an allowed origin gets the preflight answer; the service is not asked."""
    response = gateway.options("/api/courses/units", headers={
        "Origin": "http://localhost:8080", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type, X-Request-Id"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:8080"
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "content-type", "x-request-id"} <= {
        name.strip() for name in allowed.split(",")}
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert not services["courses"].calls, "the preflight was forwarded"


def test_cors_refuses_other_origins_and_exposes_headers_to_allowed_ones(make_gateway):
    """R-GW-1: origins come from CORS_ORIGINS; X-Request-Id and Retry-After are readable."""
    gateway = make_gateway(env={"CORS_ORIGINS": "https://teachers.example"})
    refused = gateway.options("/api/courses/units", headers={
        "Origin": "http://localhost:8080", "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in refused.headers, "an unlisted origin was allowed"

    response = gateway.get("/api/courses/units", headers={"Origin": "https://teachers.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://teachers.example"
    exposed = response.headers["Access-Control-Expose-Headers"].lower()
    assert "x-request-id" in exposed and "retry-after" in exposed


def test_error_answers_carry_cors_headers_too(gateway, signer):
    """R-GW-1: a browser must be able to read a 401 to react to it."""
    response = gateway.get("/api/courses/units", headers={
        "Origin": "http://localhost:8080", **bearer(signer.impostor().sign())})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:8080"
