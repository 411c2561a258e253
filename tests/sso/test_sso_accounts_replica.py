"""The accounts replica, kept from accounts events through the consumer (status, roles,
unit, county), and what it means for tokens and sessions."""
from __future__ import annotations

import time
import uuid

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from sqlalchemy import select

from contracts.events.accounts import ACCOUNT_UPDATED, ROLE_GRANTED, ROLE_REVOKED
from servicekit.tokens import TokenVerifier
from services.sso.adapters.tables.accounts import accounts


def claims_of(sso, token):
    verifier = TokenVerifier(sso.url, "inservice-api", sso.dependencies.keys)
    return verifier.verify(token["access_token"])


def grant(sso, account, role, unit=None, authority=None, version=1, revoked=False):
    grant_id = str(uuid.uuid4())
    sso.publish(ROLE_REVOKED if revoked else ROLE_GRANTED, {
        "grant_id": grant_id, "account_id": account.account_id, "role": role,
        "unit_code": unit, "authority_code": authority, "version": version})
    return grant_id


def test_roles_unit_and_authority_reach_the_platform_token(sso, browser) -> None:
    business = sso.teacher("biz-353301", kind="business", unit_code="353301")
    principal = claims_of(sso, sso.web_token(browser, business))
    assert principal.roles == {"business"} and principal.unit == "353301"

    reviewer = sso.teacher("reviewer-tpe", kind="staff", unit_code=None)
    grant(sso, reviewer, "reviewer", authority="TPE")
    principal = claims_of(sso, sso.web_token(type(browser)(), reviewer))
    assert principal.roles == {"reviewer"} and principal.authority == "TPE"


def test_a_revoked_role_is_gone_at_the_next_refresh(sso, browser) -> None:
    staff = sso.teacher("operator", kind="staff", unit_code=None)
    grant_id = str(uuid.uuid4())
    base = {"grant_id": grant_id, "account_id": staff.account_id, "role": "operator",
            "unit_code": None, "authority_code": None}
    sso.publish(ROLE_GRANTED, {**base, "version": 1})
    token = sso.web_token(browser, staff)
    assert claims_of(sso, token).roles == {"operator"}
    sso.publish(ROLE_REVOKED, {**base, "version": 2})
    refreshed = requests.post(sso.url + "/oauth/token", timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": "web"}).json()
    assert claims_of(sso, refreshed).roles == frozenset()


def test_a_disabled_account_loses_its_sessions_and_grants_at_once(sso, browser, query) -> None:
    teacher = sso.teacher("teacher00001")
    token = sso.web_token(browser, teacher)
    sso.update_account(teacher, status="disabled")
    refreshed = requests.post(sso.url + "/oauth/token", timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": "web"})
    assert refreshed.json()["error"] == "invalid_grant"
    silent = browser.get(sso.url + "/oauth/authorize", params={
        "response_type": "code", "client_id": "web", "redirect_uri": sso.web_client().redirect_uris[0],
        "scope": "openid", "prompt": "none", "code_challenge_method": "S256",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"})
    assert query(silent.headers["Location"])["error"] == "login_required"
    page = browser.get(sso.url + "/login")
    refused = browser.submit(page, sso.url + "/login", username=teacher.login, password=teacher.password)
    assert "帳號或密碼錯誤" in refused.text  # the same answer as a wrong password


def test_an_older_event_arriving_late_does_not_overwrite_a_newer_one(sso) -> None:
    teacher = sso.teacher("teacher00001")
    sso.update_account(teacher, display_name="新名字")  # version 2
    teacher.version = 1
    sso.account_event(teacher, display_name="舊名字")  # version 1, late
    with sso.dependencies.database.session() as session:
        name = session.scalar(select(accounts.c.display_name).where(
            accounts.c.account_id == teacher.account_id))
    assert name == "新名字"


def signed_in_at_partner(sso, browser, teacher, receiver):
    """The teacher's tokens at a partner that registered for back-channel logout."""
    callback = "https://partner.example.edu.tw/callback"
    _, secret = sso.partner("partner-a", callback, backchannel_logout_uri=receiver.url + "/backchannel")
    client = OAuth2Session("partner-a", secret, scope="openid", redirect_uri=callback,
                           code_challenge_method="S256")
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(sso.url + "/oauth/authorize", code_verifier=verifier,
                                             nonce="n")
    returned = browser.sign_in(url, sso.url, teacher.login, teacher.password)
    return client.fetch_token(sso.url + "/oauth/token", authorization_response=returned,
                              code_verifier=verifier)


def test_a_disabled_account_is_logged_out_of_every_partner_that_asked(sso, browser, query, receiver) -> None:
    """R-SSO-2: a partner that registered for back-channel logout hears, server to server,
    that a disabled account's session there is over; one that did not register hears nothing."""
    from jose import jwt as jose_jwt
    teacher = sso.teacher("teacher00001")
    tokens = signed_in_at_partner(sso, browser, teacher, receiver)
    sso.web_token(browser, teacher)  # the platform's own client registered no logout URI
    assert receiver.received == []

    sso.update_account(teacher, status="disabled")
    [delivery] = receiver.wait_for(1)
    logout = jose_jwt.get_unverified_claims(delivery["logout_token"])
    assert logout["aud"] == "partner-a"
    assert logout["sub"] == jose_jwt.get_unverified_claims(tokens["id_token"])["sub"]
    assert logout["sid"] == jose_jwt.get_unverified_claims(tokens["id_token"])["sid"]
    # The same version again, then a newer one still disabled: nobody is told twice.
    sso.account_event(teacher, status="disabled")
    sso.update_account(teacher, status="disabled", display_name="改名")
    time.sleep(0.3)
    assert len(receiver.received) == 1


def test_the_logout_is_sent_when_the_batch_is_retried_event_by_event(sso, browser, receiver, monkeypatch) -> None:
    """A failing event in the same batch makes the consumer redo it one savepoint per event:
    the disabled account's logout is still sent, once the whole batch has committed."""
    from servicekit.bus.publisher import KombuPublisher
    from servicekit.bus.transport import OutgoingMessage
    from servicekit.events import Envelope
    from services.sso.handlers import replica
    teacher = sso.teacher("teacher00001")
    signed_in_at_partner(sso, browser, teacher, receiver)

    def failing(uow, clock, data):
        raise RuntimeError("a handler failing on this one event")
    monkeypatch.setattr(replica, "apply_role_granted", failing)
    teacher.version += 1
    disabled = {"account_id": teacher.account_id, "login": teacher.login, "kind": "teacher",
                "status": "disabled", "display_name": "老師", "email": None, "unit_code": "353301",
                "authority_code": None, "county_code": "TPE", "version": teacher.version}
    poison = {"grant_id": str(uuid.uuid4()), "account_id": teacher.account_id, "role": "operator",
              "unit_code": None, "authority_code": None, "version": 1}
    envelopes = [Envelope(type=t, source="accounts", data=d, correlation_id="c-1") for t, d in (
        (ACCOUNT_UPDATED, disabled), (ROLE_GRANTED, poison))]
    publisher = KombuPublisher(sso.runtime.settings.broker_url)
    publisher.publish_batch([OutgoingMessage(e.type, e.to_json(), e.id, e.correlation_id)
                             for e in envelopes])
    publisher.close()
    [subscription] = sso.runtime.subscriptions()
    reader = sso.runtime.open_reader(subscription)
    try:
        outcome = sso.runtime.consumer(subscription).process(reader, reader.next_batch(10, 0.5))
    finally:
        reader.close()
    assert outcome.applied == 1  # the disabling, alone; the other waits for its redelivery
    assert len(receiver.wait_for(1)) == 1


def test_a_login_name_is_kept_as_the_sign_in_lookup_folds_it(sso, browser) -> None:
    """The replica stores a login the way sign-in folds what is typed (NFKC, trimmed,
    lower-cased: services/sso/domain/logins.py), so the account is found by its name."""
    teacher = sso.teacher("teacher00077")
    sso.account_event(teacher, login=" ＴＥＡＣＨＥＲ00077 ", version=2)
    with sso.runtime.database.session() as session:
        assert session.scalar(select(accounts.c.login).where(
            accounts.c.account_id == teacher.account_id)) == "teacher00077"
