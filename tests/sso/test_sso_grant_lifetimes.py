"""Grants end when they should (issue 8 point 4, R-SSO-1, R-SSO-7): a partner gets refresh
tokens only with ``offline_access``; every grant ends ``SSO_GRANT_MAX_SECONDS`` after it
was made however often it is refreshed; the platform's own client (``web``) cannot
refresh beyond the browser session it signed in with (logout, expiry, a new sign-in in
that browser, a password reset).

A refused refresh is RFC 6749's ``400 {"error": "invalid_grant"}``."""
from __future__ import annotations

from datetime import timedelta

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from sqlalchemy import insert, select

from servicekit.clock import FixedClock
from services.sso.adapters.digests import digest
from services.sso.adapters.tables.credentials import password_setups
from services.sso.adapters.tables.grants import grants, refresh_tokens
from services.sso.adapters.tables.sessions import browser_sessions
from services.sso.handlers.credentials import Client as Who
from services.sso.handlers.housekeeping import tidy_records
from services.sso.handlers.password_setup import set_password

PARTNER = "http://127.0.0.1:9/partner-a/callback"


def sign_in(sso, browser, client: OAuth2Session, **params) -> dict:
    teacher = sso.accounts["teacher00001"]
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(sso.url + "/oauth/authorize", code_verifier=verifier,
                                             **params)
    callback = browser.sign_in(url, sso.url, teacher.login, teacher.password)
    return client.fetch_token(sso.url + "/oauth/token", authorization_response=callback,
                              code_verifier=verifier)


def partner(sso, scope: str, allowed=("openid", "profile", "offline_access")):
    _, secret = sso.partner("partner-a", PARTNER, allowed_scopes=allowed)
    return OAuth2Session("partner-a", secret, scope=scope, redirect_uri=PARTNER,
                         code_challenge_method="S256"), secret


def web(sso) -> OAuth2Session:
    client = sso.web_client()
    return OAuth2Session("web", scope="openid profile", redirect_uri=client.redirect_uris[0],
                         code_challenge_method="S256", token_endpoint_auth_method="none")


def refresh(sso, refresh_token: str, client_id: str = "web",
            secret: str | None = None) -> requests.Response:
    auth = (client_id, secret) if secret else None
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if secret is None:
        data["client_id"] = client_id
    return requests.post(sso.url + "/oauth/token", auth=auth, data=data, timeout=5)


def refused(answer: requests.Response) -> bool:
    return answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def revoked_reasons(sso) -> list[str | None]:
    with sso.dependencies.database.session() as session:
        return list(session.scalars(select(grants.c.revoked_reason).order_by(grants.c.created_at)))


# -- partners: offline_access --------------------------------------------------------------
def test_a_partner_gets_no_refresh_token_without_offline_access(sso, browser) -> None:
    sso.teacher("teacher00001")
    client, _ = partner(sso, scope="openid profile")
    token = sign_in(sso, browser, client)
    assert "refresh_token" not in token
    assert token["access_token"] and token["id_token"]


def test_a_partner_not_allowed_offline_access_gets_none_for_asking(sso, browser) -> None:
    sso.teacher("teacher00001")
    client, _ = partner(sso, scope="openid profile offline_access", allowed=("openid", "profile"))
    token = sign_in(sso, browser, client)
    assert "refresh_token" not in token
    assert token["scope"].split() == ["openid", "profile"]


def test_a_partner_allowed_and_asking_for_offline_access_refreshes_without_prompt_consent(sso, browser) -> None:
    """The ministry's approval of the partner stands in for consent (OpenID Connect
    Core 11): no ``prompt=consent`` needed."""
    sso.teacher("teacher00001")
    client, secret = partner(sso, scope="openid offline_access")
    token = sign_in(sso, browser, client)
    assert token["scope"].split() == ["openid", "offline_access"]
    again = refresh(sso, token["refresh_token"], "partner-a", secret)
    assert again.status_code == 200 and again.json()["refresh_token"] != token["refresh_token"]
    # Offline access outlives the browser session: a new sign-in there does not end it.
    login = browser.get(sso.url + "/login")
    browser.submit(login, sso.url + "/login", username="teacher00001",
                   password=sso.accounts["teacher00001"].password)
    assert refresh(sso, again.json()["refresh_token"], "partner-a", secret).status_code == 200


# -- every grant: an absolute lifetime -----------------------------------------------------
def test_no_grant_is_refreshed_beyond_its_longest_lifetime(make_sso, browser) -> None:
    sso = make_sso(SSO_GRANT_MAX_SECONDS="3600", SSO_SESSION_SECONDS="86400")
    clock = sso.runtime.clock = FixedClock()  # the signing keys keep the real one
    sso.teacher("teacher00001")
    client, secret = partner(sso, scope="openid offline_access")
    token = sign_in(sso, browser, client)
    web_token = sign_in(sso, browser, web(sso))

    clock.advance(seconds=3000)  # rotation inside the lifetime works, but extends nothing
    partner_token = refresh(sso, token["refresh_token"], "partner-a", secret).json()
    web_token = refresh(sso, web_token["refresh_token"]).json()
    assert partner_token["expires_in"] <= 600 and web_token["expires_in"] <= 600
    with sso.dependencies.database.session() as session:
        ends = session.execute(select(grants.c.created_at, refresh_tokens.c.expires_at).join(
            refresh_tokens, refresh_tokens.c.grant_id == grants.c.grant_id)
            .where(refresh_tokens.c.used_at.is_(None))).all()
    assert len(ends) == 2
    assert all(expires <= created + timedelta(seconds=3600) for created, expires in ends)

    clock.advance(seconds=601)  # 3601 s after the sign-in; the refresh tokens were issued 601 s ago
    assert refused(refresh(sso, partner_token["refresh_token"], "partner-a", secret))
    assert refused(refresh(sso, web_token["refresh_token"]))


# -- the platform's own client: no longer than its browser session ---------------------------
def test_the_web_client_cannot_refresh_after_the_person_logs_out(sso, browser) -> None:
    sso.teacher("teacher00001")
    token = refresh(sso, sign_in(sso, browser, web(sso))["refresh_token"]).json()
    browser.submit(browser.get(sso.url + "/logout"), sso.url + "/logout")
    assert refused(refresh(sso, token["refresh_token"]))
    assert revoked_reasons(sso) == ["logout"]


def test_the_web_client_cannot_refresh_after_its_browser_session_expired(make_sso, browser) -> None:
    sso = make_sso(SSO_SESSION_SECONDS="900")
    clock = sso.runtime.clock = FixedClock()  # the signing keys keep the real one
    sso.teacher("teacher00001")
    token = sign_in(sso, browser, web(sso))
    clock.advance(seconds=600)
    token = refresh(sso, token["refresh_token"]).json()
    with sso.dependencies.database.session() as session:
        [(session_end, refresh_end)] = session.execute(select(
            browser_sessions.c.expires_at, refresh_tokens.c.expires_at).join(
            grants, grants.c.sid == browser_sessions.c.sid).join(
            refresh_tokens, refresh_tokens.c.grant_id == grants.c.grant_id).where(
            refresh_tokens.c.used_at.is_(None))).all()
    assert refresh_end <= session_end  # not 14 days: the session's end

    clock.advance(seconds=301)
    assert refused(refresh(sso, token["refresh_token"]))
    assert revoked_reasons(sso) == ["session-ended"]


def test_housekeeping_revokes_the_web_grants_of_expired_sessions(make_sso, browser) -> None:
    sso = make_sso(SSO_SESSION_SECONDS="900")
    clock = sso.runtime.clock = FixedClock()  # the signing keys keep the real one
    sso.teacher("teacher00001")
    sign_in(sso, browser, web(sso))
    client, _ = partner(sso, scope="openid offline_access")
    sign_in(sso, browser, client)
    clock.advance(seconds=901)
    assert tidy_records(sso.dependencies)["grants_of_ended_sessions"] == 1
    # The web grant, revoked, is gone with its session; the partner's offline grant stays.
    assert revoked_reasons(sso) == [None]


def test_a_new_sign_in_in_the_same_browser_ends_the_web_grant_of_the_session_it_replaces(sso, browser) -> None:
    sso.teacher("teacher00001")
    token = sign_in(sso, browser, web(sso))
    login = browser.get(sso.url + "/login")
    again = browser.submit(login, sso.url + "/login", username="teacher00001",
                           password=sso.accounts["teacher00001"].password)
    assert again.status_code == 200 and "您已登入" in again.text
    assert refused(refresh(sso, token["refresh_token"]))


def test_a_code_of_a_session_that_ended_is_not_redeemed_by_the_web_client(sso, browser, query) -> None:
    sso.teacher("teacher00001")
    client = web(sso)
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(sso.url + "/oauth/authorize", code_verifier=verifier)
    callback = browser.sign_in(url, sso.url, "teacher00001", sso.accounts["teacher00001"].password)
    browser.submit(browser.get(sso.url + "/logout"), sso.url + "/logout")
    answer = requests.post(sso.url + "/oauth/token", timeout=5, data={
        "grant_type": "authorization_code", "client_id": "web", "code": query(callback)["code"],
        "redirect_uri": client.redirect_uri, "code_verifier": verifier})
    assert refused(answer)


def test_a_password_reset_ends_the_web_clients_refresh(sso, browser) -> None:
    teacher = sso.teacher("teacher00001")
    token = sign_in(sso, browser, web(sso))
    now = sso.dependencies.clock.now()
    with sso.dependencies.database.session() as session:
        session.execute(insert(password_setups).values(
            token_hash=digest("a-reset-link"), account_id=teacher.account_id, purpose="reset",
            requested_by="self:", created_at=now, expires_at=now + timedelta(hours=1)))
    d = sso.dependencies
    set_password(d.unit_of_work(), d.clock, d.passwords, d.sign_out, "a-reset-link", "a brand new secret",
                 Who())
    assert refused(refresh(sso, token["refresh_token"]))
