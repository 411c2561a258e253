"""RP-initiated logout (R-SSO-1): ``id_token_hint`` + ``post_logout_redirect_uri``, exact
URI matching, forged hints refused, and what ends with the session."""
from __future__ import annotations

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from jose import jwt as jose_jwt

from servicekit.testing.tokens import TokenSigner

CALLBACK = "http://127.0.0.1:9/partner-a/callback"
AFTER_LOGOUT = "http://127.0.0.1:9/partner-a/bye"


def signed_in(sso, browser):
    teacher = sso.teacher("teacher00001")
    _, secret = sso.partner("partner-a", CALLBACK, post_logout_redirect_uris=(AFTER_LOGOUT,))
    client = OAuth2Session("partner-a", secret, scope="openid offline_access", redirect_uri=CALLBACK,
                           code_challenge_method="S256")
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(sso.url + "/oauth/authorize", code_verifier=verifier,
                                             nonce="n")
    callback = browser.sign_in(url, sso.url, teacher.login, teacher.password)
    return client.fetch_token(sso.url + "/oauth/token", authorization_response=callback,
                              code_verifier=verifier), secret


def test_a_valid_hint_logs_out_and_returns_to_the_registered_uri_with_the_state(sso, browser, query) -> None:
    token, secret = signed_in(sso, browser)
    answer = browser.get(sso.url + "/logout", params={
        "id_token_hint": token["id_token"], "post_logout_redirect_uri": AFTER_LOGOUT,
        "state": "bye-1"})
    assert answer.status_code == 302
    assert answer.headers["Location"] == AFTER_LOGOUT + "?state=bye-1"
    # The session is over: no silent sign-in, and what it granted is revoked.
    silent = browser.get(sso.url + "/oauth/authorize", params={
        "response_type": "code", "client_id": "partner-a", "redirect_uri": CALLBACK,
        "scope": "openid", "prompt": "none", "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256"})
    assert query(silent.headers["Location"])["error"] == "login_required"
    refreshed = requests.post(sso.url + "/oauth/token", auth=("partner-a", secret), timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
    assert refreshed.json()["error"] == "invalid_grant"


def test_an_unregistered_post_logout_uri_is_never_followed(sso, browser) -> None:
    token, _ = signed_in(sso, browser)
    for uri in ("https://attacker.example/", AFTER_LOGOUT + "/x", CALLBACK):
        answer = browser.get(sso.url + "/logout", params={
            "id_token_hint": token["id_token"], "post_logout_redirect_uri": uri})
        assert answer.status_code == 400 and "Location" not in answer.headers, uri
    without_client = browser.get(sso.url + "/logout", params={"post_logout_redirect_uri": AFTER_LOGOUT})
    assert without_client.status_code == 400


def test_forged_hints_are_refused(sso, browser) -> None:
    token, _ = signed_in(sso, browser)
    claims = jose_jwt.get_unverified_claims(token["id_token"])
    kid = jose_jwt.get_unverified_header(token["id_token"])["kid"]
    impostor = TokenSigner(issuer=sso.url, audience="partner-a", kid=kid)
    forged = {
        "another key, same kid": impostor.sign(subject=claims["sub"], roles=None, sid=claims["sid"]),
        "alg none": impostor.unsigned(subject=claims["sub"], roles=None, sid=claims["sid"]),
        "a token for the API, not this client": impostor.sign(subject=claims["sub"], aud="inservice-api"),
        "garbage": "not.a.token",
    }
    for name, hint in forged.items():
        answer = browser.get(sso.url + "/logout", params={
            "id_token_hint": hint, "post_logout_redirect_uri": AFTER_LOGOUT})
        assert answer.status_code == 400 and "Location" not in answer.headers, name
    # Still signed in: none of them ended the session.
    page = browser.get(sso.url + "/logout")
    assert page.status_code == 200 and 'action="/logout"' in page.text


def test_without_a_hint_the_person_confirms(sso, browser, receiver) -> None:
    signed_in(sso, browser)
    page = browser.get(sso.url + "/logout", params={"client_id": "partner-a",
                                                    "post_logout_redirect_uri": AFTER_LOGOUT})
    assert page.status_code == 200 and "登出" in page.text
    # Another site posting the form without the page's token does not sign anyone out.
    forged = browser.post(sso.url + "/logout", data={"client_id": "partner-a"})
    assert forged.status_code == 200 and 'action="/logout"' in forged.text
    done = browser.submit(page, sso.url + "/logout")
    assert done.status_code == 302 and done.headers["Location"] == AFTER_LOGOUT
    assert "sso_session=;" in done.headers["Set-Cookie"] or "Max-Age=0" in done.headers["Set-Cookie"]
