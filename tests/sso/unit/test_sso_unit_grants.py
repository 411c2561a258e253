"""The authorization code flow and refresh-token rotation (R-SSO-1, R-SSO-3; RFC 6749,
RFC 7636, OAuth 2.0 Security BCP 4.14) on the fake unit of work: a code works once, a
refresh token works once, and no grant outlives its end. The errors are RFC 6749's JSON
errors (OAuthError: ``invalid_grant`` …), not problem+json: they are protocol."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sso_fakes import FakeKeys, FakeSsoUnitOfWork, clock, config

from servicekit.clock import FixedClock
from services.sso.domain.accounts import Account
from services.sso.domain.clients import ENABLED, FIRST_PARTY, TESTING, Client
from services.sso.handlers import token_endpoint
from services.sso.handlers.authorize import Authorizer, ErrorPage, NeedsSignIn, Redirect
from services.sso.handlers.client_auth import OAuthError
from services.sso.handlers.issuing import Issuer
from services.sso.handlers.sessions import BrowserSession, start_session
from services.sso.handlers.sign_in_records import Client as Who

TEACHER = Account("5b0c1f3e-0000-4000-8000-000000000001", "teacher00001", "teacher",
                  "enabled", "老師")
PARTNER_URI = "https://partner.example/callback"
PARTNER = Client("partner-a", "Partner A", status=ENABLED, sector="partner.example",
                 redirect_uris=(PARTNER_URI,), allowed_scopes=("openid", "offline_access"))
WEB = Client("web", "Web", kind=FIRST_PARTY, status=ENABLED, auth_method="none",
             redirect_uris=("https://platform.example/callback",))
VERIFIER = "v" * 43


class Flow:
    def __init__(self, **settings: str) -> None:
        self.uow = FakeSsoUnitOfWork()
        self.uow.accounts.accounts[TEACHER.account_id] = TEACHER
        for client in (PARTNER, WEB):
            self.uow.clients.clients[client.client_id] = client
        self.clock: FixedClock = clock()
        self.config = config(**settings)
        self.keys = FakeKeys()
        self.authorizer = Authorizer(lambda: self.uow, self.config, self.clock)
        self.issuer = Issuer(self.config, self.clock)

    def session(self) -> BrowserSession:
        return start_session(self.uow, self.clock, self.config.session_seconds, TEACHER,
                             "password", Who())[1]

    def code(self, client: Client = PARTNER, scope: str = "openid offline_access",
             session: BrowserSession | None = None) -> str:
        request = self.authorizer.parse({
            "client_id": client.client_id, "redirect_uri": client.redirect_uris[0],
            "response_type": "code", "scope": scope, "state": "s-1",
            "code_challenge": create_s256_code_challenge(VERIFIER),
            "code_challenge_method": "S256"})
        outcome = self.authorizer.decide(request, session or self.session())
        assert isinstance(outcome, Redirect)
        query = parse_qs(urlsplit(outcome.url).query)
        assert query["state"] == ["s-1"] and query["iss"] == ["https://sso.example"]
        return query["code"][0]

    def exchange(self, client: Client = PARTNER, **form: str) -> dict:
        return token_endpoint.exchange(self.uow, self.issuer, self.keys,  # type: ignore[arg-type]
                                       client, form)

    def redeem(self, code: str, client: Client = PARTNER, **form: str) -> dict:
        return self.exchange(client, grant_type="authorization_code", code=code,
                             redirect_uri=client.redirect_uris[0], code_verifier=VERIFIER,
                             **form)

    def refresh(self, token: str, client: Client = PARTNER) -> dict:
        return self.exchange(client, grant_type="refresh_token", refresh_token=token)


def refused(call, error: str = "invalid_grant") -> str:
    with pytest.raises(OAuthError) as caught:
        call()
    assert caught.value.error == error and caught.value.status == 400
    return caught.value.description


def test_a_code_is_redeemed_once_for_tokens_of_the_partners_pairwise_subject() -> None:
    flow = Flow()
    answer = flow.redeem(flow.code())
    assert answer["token_type"] == "Bearer" and answer["scope"] == "openid offline_access"
    assert {"access_token", "id_token", "refresh_token"} <= set(answer)
    (access, typ), (id_token, _) = flow.keys.signer_.signed
    assert typ == "at+jwt" and access["aud"] == "https://sso.example/oauth/userinfo"
    assert access["roles"] == [] and access["sub"] != TEACHER.account_id
    assert id_token["aud"] == "partner-a" and id_token["sub"] == access["sub"]
    [grant] = flow.uow.grants.grants.values()
    assert access["gid"] == grant.grant_id and grant.revoked_at is None


def test_a_code_that_comes_again_revokes_what_it_issued() -> None:
    flow = Flow()
    code = flow.code()
    flow.redeem(code)
    assert "used before" in refused(lambda: flow.redeem(code))
    [grant] = flow.uow.grants.grants.values()
    assert grant.revoked_reason == "code-reused"


@pytest.mark.parametrize(("change", "why"), [
    ({"code_verifier": "w" * 43}, "code_verifier does not match"),
    ({"redirect_uri": "https://partner.example/other"}, "redirect_uri differs"),
])
def test_a_code_needs_its_verifier_and_its_redirect_uri(change, why) -> None:
    flow = Flow()
    code = flow.code()
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": PARTNER_URI,
            "code_verifier": VERIFIER, **change}
    assert why in refused(lambda: flow.exchange(**form))
    assert flow.uow.grants.grants == {}


def test_an_expired_code_and_another_clients_code_are_refused() -> None:
    flow = Flow()
    other = Client("partner-b", "Partner B", status=ENABLED, sector="b.example",
                   redirect_uris=(PARTNER_URI,))
    flow.uow.clients.clients["partner-b"] = other
    assert refused(lambda: flow.redeem(flow.code(), client=other)) == "the code is not valid"
    code = flow.code()
    flow.clock.advance(seconds=flow.config.code_seconds)
    assert refused(lambda: flow.redeem(code)) == "the code has expired"


def test_a_testing_partner_signs_in_test_accounts_only() -> None:
    flow = Flow()
    flow.uow.clients.clients["partner-a"] = Client(**{**PARTNER.__dict__, "status": TESTING})
    request = flow.authorizer.parse({
        "client_id": "partner-a", "redirect_uri": PARTNER_URI, "response_type": "code",
        "scope": "openid", "code_challenge": create_s256_code_challenge(VERIFIER),
        "code_challenge_method": "S256"})
    outcome = flow.authorizer.decide(request, flow.session())
    assert isinstance(outcome, Redirect) and "error=access_denied" in outcome.url


def test_an_unknown_client_or_redirect_uri_is_a_page_and_never_a_redirect() -> None:
    flow = Flow()
    with pytest.raises(ErrorPage) as unknown:
        flow.authorizer.parse({"client_id": "nobody", "redirect_uri": PARTNER_URI})
    assert unknown.value.message_key == "unknown_client"
    with pytest.raises(ErrorPage) as elsewhere:
        flow.authorizer.parse({"client_id": "partner-a",
                               "redirect_uri": "https://attacker.example/"})
    assert elsewhere.value.message_key == "bad_redirect_uri"


def test_without_a_session_the_request_waits_for_the_sign_in_once() -> None:
    flow = Flow()
    request = flow.authorizer.parse({
        "client_id": "partner-a", "redirect_uri": PARTNER_URI, "response_type": "code",
        "scope": "openid", "code_challenge": create_s256_code_challenge(VERIFIER),
        "code_challenge_method": "S256"})
    waiting = flow.authorizer.decide(request, None)
    assert isinstance(waiting, NeedsSignIn)
    done = flow.authorizer.complete_pending(waiting.request_id, flow.session())
    assert done is not None and "code=" in done.url
    assert flow.authorizer.complete_pending(waiting.request_id, flow.session()) is None


def test_a_refresh_token_rotates_and_one_used_again_revokes_the_grant() -> None:
    flow = Flow()
    first = flow.redeem(flow.code())["refresh_token"]
    second = flow.refresh(first)["refresh_token"]
    assert second != first
    assert "used before" in refused(lambda: flow.refresh(first))
    [grant] = flow.uow.grants.grants.values()
    assert grant.revoked_reason == "refresh-token-reused"
    assert refused(lambda: flow.refresh(second)) == "the grant was revoked"


def test_no_grant_is_refreshed_past_its_longest_lifetime() -> None:
    flow = Flow(SSO_GRANT_MAX_SECONDS="3600")
    token = flow.redeem(flow.code())["refresh_token"]
    flow.clock.advance(seconds=3000)
    answer = flow.refresh(token)
    assert answer["expires_in"] <= 600
    [refreshed] = [t for t in flow.uow.grants.refresh_tokens.values() if t.used_at is None]
    assert refreshed.expires_at == flow.clock.now() - timedelta(seconds=3000) + timedelta(hours=1)
    flow.clock.advance(seconds=601)
    assert "longest lifetime" in refused(lambda: flow.refresh(answer["refresh_token"]))
    [grant] = flow.uow.grants.grants.values()
    assert grant.revoked_reason == "lifetime-ended"


def test_the_web_clients_grant_ends_with_its_browser_session() -> None:
    flow = Flow()
    session = flow.session()
    answer = flow.redeem(flow.code(WEB, "openid", session), client=WEB)
    (access, _), _ = flow.keys.signer_.signed
    assert access["aud"] == "inservice-api" and access["sub"] == TEACHER.account_id
    flow.uow.sessions.end(session.sid, flow.clock.now())
    assert "session of this grant has ended" in refused(
        lambda: flow.refresh(answer["refresh_token"], client=WEB))
    [grant] = flow.uow.grants.grants.values()
    assert grant.revoked_reason == "session-ended"


def test_a_closed_client_gets_no_tokens_and_the_scope_never_grows() -> None:
    flow = Flow()
    token = flow.redeem(flow.code(scope="openid offline_access"))["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": token, "scope": "openid profile"}
    assert refused(lambda: flow.exchange(**form)) == "scope must not grow on refresh"
    closed = Client(**{**PARTNER.__dict__, "status": "disabled"})
    refused(lambda: flow.refresh(token, client=closed), "unauthorized_client")
