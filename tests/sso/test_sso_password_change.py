"""Changing one's own password (R-SSO-7, issue 8 item 4): like a reset, the new password
ends every other session of the account and revokes its grants (refresh tokens), and
partners that registered for it get a back-channel logout; the sign-in that made the
change — the grant named by the access token's ``gid`` and its browser session — stays."""
from __future__ import annotations

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from jose import jwt as jose_jwt

PARTNER_CALLBACK = "https://partner.example.edu.tw/callback"
NEW_PASSWORD = "a much better one"


def partner_token(sso, browser, account, secret):
    client = OAuth2Session("partner-a", secret, scope="openid", redirect_uri=PARTNER_CALLBACK,
                           code_challenge_method="S256")
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(sso.url + "/oauth/authorize", code_verifier=verifier,
                                             nonce="n")
    returned = browser.sign_in(url, sso.url, account.login, account.password)
    return client.fetch_token(sso.url + "/oauth/token", authorization_response=returned,
                              code_verifier=verifier)


def refreshes(sso, token) -> bool:
    answer = requests.post(sso.url + "/oauth/token", timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": "web"})
    return answer.status_code == 200


def userinfo_answers(sso, token) -> bool:
    answer = requests.get(sso.url + "/oauth/userinfo", timeout=5,
                          headers={"Authorization": f"Bearer {token['access_token']}"})
    return answer.status_code == 200


def still_signed_in(sso, browser) -> bool:
    """The provider's logout page asks to confirm only while a session is open."""
    return 'action="/logout"' in browser.get(sso.url + "/logout").text


def test_a_changed_password_ends_every_other_session_and_keeps_this_one(sso, browser, receiver) -> None:
    teacher = sso.teacher("teacher00001")
    _, secret = sso.partner("partner-a", PARTNER_CALLBACK,
                            backchannel_logout_uri=receiver.url + "/backchannel")
    here = sso.web_token(browser, teacher)
    elsewhere_browser = type(browser)()
    elsewhere = sso.web_token(elsewhere_browser, teacher)
    at_partner = partner_token(sso, elsewhere_browser, teacher, secret)
    assert userinfo_answers(sso, at_partner) and still_signed_in(sso, elsewhere_browser)

    changed = sso.call("POST", "/me/password", here["access_token"], json={
        "current_password": teacher.password, "new_password": NEW_PASSWORD})
    assert changed.status_code == 204, changed.text

    # Elsewhere: the browser session is over, its grants are revoked, the partner is told.
    assert not still_signed_in(sso, elsewhere_browser)
    assert not refreshes(sso, elsewhere)
    assert not userinfo_answers(sso, at_partner)
    [delivery] = receiver.wait_for(1)
    logout = jose_jwt.get_unverified_claims(delivery["logout_token"])
    assert logout["aud"] == "partner-a"
    assert logout["sid"] == jose_jwt.get_unverified_claims(at_partner["id_token"])["sid"]
    # Here: the session and the grant that made the change go on.
    assert still_signed_in(sso, browser)
    assert refreshes(sso, here)


def test_without_the_grant_of_this_account_every_session_ends(sso, browser) -> None:
    """A token naming no live grant of the account (or none at all) keeps nothing."""
    teacher = sso.teacher("teacher00001")
    other = sso.teacher("teacher00002")
    signed_in = sso.web_token(browser, teacher)
    someone_else = sso.web_token(type(browser)(), other)
    someone_elses_grant = jose_jwt.get_unverified_claims(someone_else["access_token"])["gid"]
    token = sso.token_for(teacher.account_id, "teacher", gid=someone_elses_grant)
    changed = sso.call("POST", "/me/password", token, json={
        "current_password": teacher.password, "new_password": NEW_PASSWORD})
    assert changed.status_code == 204
    assert not still_signed_in(sso, browser) and not refreshes(sso, signed_in)
    assert refreshes(sso, someone_else)  # the other account's grant is not touched


def test_a_locked_account_answers_429_problem_json(make_sso) -> None:
    sso = make_sso(SSO_LOCKOUT_ATTEMPTS="2", SSO_LOCKOUT_SECONDS="600")
    teacher = sso.teacher("teacher00001")
    token = sso.token_for(teacher.account_id, "teacher")
    for _ in range(2):
        assert sso.call("POST", "/me/password", token, json={
            "current_password": "not it", "new_password": NEW_PASSWORD}).status_code == 403
    locked = sso.call("POST", "/me/password", token, json={
        "current_password": teacher.password, "new_password": NEW_PASSWORD})
    assert locked.status_code == 429
    assert locked.headers["Content-Type"] == "application/problem+json"
    assert locked.json()["type"] == "urn:inservice:problem:locked"
    assert locked.headers["Retry-After"] == "600"  # as the sign-in page and county links say
