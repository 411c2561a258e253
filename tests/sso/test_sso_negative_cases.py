"""The negative cases of the OpenID conformance Basic and Config OP plans that the issue
names, plus the partner lifecycle's "disabled stops everything at once" (R-SSO-1, R-SSO-2)."""
from __future__ import annotations

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from servicekit.testing.tokens import TokenSigner

REDIRECT = "http://127.0.0.1:9/partner/callback"


def authorization_url(sso, client_id="partner-a", redirect=REDIRECT, **params):
    verifier = params.pop("verifier", generate_token(48))
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect,
             "scope": "openid profile", "state": "st-1", "nonce": "n-1",
             "code_challenge": create_s256_code_challenge(verifier),
             "code_challenge_method": "S256", **params}
    query = {name: value for name, value in query.items() if value is not None}
    return requests.Request("GET", sso.url + "/oauth/authorize", params=query).prepare().url, verifier


def redeem(sso, code, verifier, secret, redirect=REDIRECT, client_id="partner-a"):
    return requests.post(sso.url + "/oauth/token", auth=(client_id, secret), timeout=5, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
        "code_verifier": verifier})


def signed_in_code(sso, browser, query, secret_holder=None, **params):
    url, verifier = authorization_url(sso, **params)
    callback = browser.sign_in(url, sso.url, "teacher00001", sso.accounts["teacher00001"].password)
    return query(callback)["code"], verifier


def setup(sso):
    sso.teacher("teacher00001")
    _, secret = sso.partner("partner-a", REDIRECT)
    return secret


def test_a_code_redeemed_twice_fails_and_revokes_what_the_first_redemption_issued(sso, browser, query) -> None:
    secret = setup(sso)
    code, verifier = signed_in_code(sso, browser, query, scope="openid profile offline_access")
    first = redeem(sso, code, verifier, secret)
    assert first.status_code == 200
    second = redeem(sso, code, verifier, secret)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    tokens = first.json()
    userinfo = requests.get(sso.url + "/oauth/userinfo", timeout=5,
                            headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert userinfo.status_code == 401
    refreshed = requests.post(sso.url + "/oauth/token", auth=("partner-a", secret), timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.json()["error"] == "invalid_grant"


def test_unregistered_or_altered_redirect_uris_get_an_error_page_never_a_redirect(sso, browser) -> None:
    setup(sso)
    for redirect in ("https://attacker.example/callback", REDIRECT + "/x", REDIRECT + "?a=1",
                     REDIRECT.replace("127.0.0.1", "localhost"), REDIRECT.upper(), None):
        url, _ = authorization_url(sso, redirect=redirect)
        answer = browser.get(url)
        assert answer.status_code == 400, redirect
        assert "Location" not in answer.headers
        assert answer.headers["Content-Type"].startswith("text/html")
    unknown, _ = authorization_url(sso, client_id="nobody")
    assert browser.get(unknown).status_code == 400


def test_protocol_errors_go_back_to_the_registered_redirect_uri_with_the_state(sso, browser, query) -> None:
    setup(sso)
    cases = {
        "missing challenge": ({"code_challenge": None}, "invalid_request"),
        "plain challenge": ({"code_challenge_method": "plain"}, "invalid_request"),
        "no method": ({"code_challenge_method": None}, "invalid_request"),
        "token flow": ({"response_type": "token"}, "unsupported_response_type"),
        "no openid": ({"scope": "profile"}, "invalid_scope"),
        "request object": ({"request": "eyJ..."}, "request_not_supported"),
    }
    for name, (params, error) in cases.items():
        url, _ = authorization_url(sso, **params)
        answer = browser.get(url)
        assert answer.status_code == 302, name
        location = answer.headers["Location"]
        assert location.startswith(REDIRECT + "?"), name
        assert query(location)["error"] == error and query(location)["state"] == "st-1", name
        assert query(location)["iss"] == sso.url


def test_prompt_none_without_a_session_is_login_required(sso, browser, query) -> None:
    setup(sso)
    url, _ = authorization_url(sso, prompt="none")
    answer = browser.get(url)
    assert answer.status_code == 302
    assert query(answer.headers["Location"])["error"] == "login_required"


def test_a_wrong_pkce_verifier_fails_and_spends_the_code(sso, browser, query) -> None:
    secret = setup(sso)
    code, verifier = signed_in_code(sso, browser, query)
    wrong = redeem(sso, code, generate_token(48), secret)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert redeem(sso, code, verifier, secret).json()["error"] == "invalid_grant"
    code, verifier = signed_in_code(sso, browser, query)
    missing = requests.post(sso.url + "/oauth/token", auth=("partner-a", secret), timeout=5, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT})
    assert missing.json()["error"] == "invalid_grant"


def test_the_code_is_bound_to_its_client_and_redirect_uri(sso, browser, query) -> None:
    secret = setup(sso)
    _, other_secret = sso.partner("partner-b", "http://127.0.0.1:9/b/callback")
    code, verifier = signed_in_code(sso, browser, query)
    stolen = redeem(sso, code, verifier, other_secret, "http://127.0.0.1:9/b/callback", "partner-b")
    assert stolen.json()["error"] == "invalid_grant"
    assert redeem(sso, code, verifier, secret, REDIRECT + "/other").json()["error"] == "invalid_grant"
    wrong_secret = redeem(sso, code, verifier, "not-the-secret")
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"


def test_forged_tokens_are_refused_alg_none_and_hmac_with_the_der_public_key(sso, browser, query) -> None:
    secret = setup(sso)
    code, verifier = signed_in_code(sso, browser, query)
    good = redeem(sso, code, verifier, secret).json()
    # An attacker who has the provider's public key (it is public) and a real token's claims.
    jwks = requests.get(sso.url + "/jwks.json", timeout=5).json()
    from jose import jwt as jose_jwt
    claims = jose_jwt.get_unverified_claims(good["access_token"])
    header = jose_jwt.get_unverified_header(good["access_token"])
    forger = TokenSigner(issuer=sso.url, kid=header["kid"])
    forger._keys[header["kid"]] = _public_only(jwks, header["kid"])  # DER of the real public key
    forged = {
        "alg=none": forger.unsigned(**_without(claims, "iat", "exp", "sub", "roles")),
        "HS256 with the DER public key": forger.hs256_with_public_key(**_without(claims, "iat", "exp", "sub", "roles")),
    }
    for name, token in forged.items():
        answer = requests.get(sso.url + "/oauth/userinfo", timeout=5,
                              headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401, name
        introspected = requests.post(sso.url + "/oauth/introspect", auth=("partner-a", secret),
                                     data={"token": token}, timeout=5)
        assert introspected.json() == {"active": False}, name


def test_a_disabled_partner_stops_at_once_everywhere_and_hears_of_it(sso, browser, query, receiver) -> None:
    sso.teacher("teacher00001")
    _, secret = sso.partner("partner-a", REDIRECT, backchannel_logout_uri=receiver.url + "/backchannel")
    code, verifier = signed_in_code(sso, browser, query, scope="openid offline_access")
    tokens = redeem(sso, code, verifier, secret).json()
    pending_code, pending_verifier = signed_in_code(sso, browser, query)

    disabled = sso.call("POST", "/partners/partner-a/disable", sso.token_for("op-1", "operator"),
                        json={"reason": "已終止使用教師進修網漫遊合作", "disabled_on": "2017-04-13"})
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["status"] == "disabled" and disabled.json()["disabled_on"] == "2017-04-13"

    url, _ = authorization_url(sso)
    closed = browser.get(url)
    assert closed.status_code == 400 and "Location" not in closed.headers
    assert redeem(sso, pending_code, pending_verifier, secret).json()["error"] == "unauthorized_client"
    refresh = requests.post(sso.url + "/oauth/token", auth=("partner-a", secret), timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refresh.json()["error"] == "unauthorized_client"
    userinfo = requests.get(sso.url + "/oauth/userinfo", timeout=5,
                            headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert userinfo.status_code == 401
    [delivery] = receiver.wait_for(1)
    from jose import jwt as jose_jwt
    logout = jose_jwt.get_unverified_claims(delivery["logout_token"])
    assert logout["aud"] == "partner-a" and "http://schemas.openid.net/event/backchannel-logout" in logout["events"]
    assert logout["sub"] == jose_jwt.get_unverified_claims(tokens["id_token"])["sub"]


def test_a_partner_in_testing_signs_in_test_accounts_only(sso, browser, query) -> None:
    regular = sso.teacher("teacher00001")
    tester = sso.teacher("tester-0001")
    _, secret = sso.partner("partner-a", REDIRECT, status="testing")
    url, _ = authorization_url(sso)
    refused = browser.sign_in(url, sso.url, regular.login, regular.password)
    assert query(refused)["error"] == "access_denied"
    from services.sso.handlers import partner_test_accounts
    partner_test_accounts.add(sso.dependencies.unit_of_work(), sso.dependencies.clock,
                              tester.account_id, "operator-1")
    other = type(browser)()
    url, verifier = authorization_url(sso)
    code = query(other.sign_in(url, sso.url, tester.login, tester.password))["code"]
    assert redeem(sso, code, verifier, secret).status_code == 200


def test_the_token_endpoint_speaks_rfc_6749_errors(sso) -> None:
    secret = setup(sso)
    token_url = sso.url + "/oauth/token"
    assert requests.post(token_url, data={}, timeout=5).json()["error"] == "invalid_request"
    assert requests.post(token_url, data={"grant_type": "password"}, auth=("partner-a", secret),
                         timeout=5).json()["error"] == "unsupported_grant_type"
    unknown = requests.post(token_url, data={"grant_type": "authorization_code", "code": "x"},
                            auth=("nobody", "x"), timeout=5)
    assert unknown.status_code == 401 and unknown.headers["WWW-Authenticate"].startswith("Basic")
    answer = requests.post(token_url, data={"grant_type": "authorization_code", "code": "x",
                                            "redirect_uri": REDIRECT, "code_verifier": "v" * 43},
                           auth=("partner-a", secret), timeout=5)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_public_client_cannot_skip_pkce_or_claim_a_secret(sso, browser, query) -> None:
    teacher = sso.teacher("teacher00001")
    web = sso.web_client()
    client = OAuth2Session("web", scope="openid", redirect_uri=web.redirect_uris[0],
                           code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(sso.url + "/oauth/authorize", code_verifier=verifier)
    code = query(browser.sign_in(url, sso.url, teacher.login, teacher.password))["code"]
    without = requests.post(sso.url + "/oauth/token", timeout=5, data={
        "grant_type": "authorization_code", "code": code, "client_id": "web",
        "redirect_uri": web.redirect_uris[0]})
    assert without.json()["error"] == "invalid_grant"
    with_secret = requests.post(sso.url + "/oauth/token", auth=("web", "guess"), timeout=5, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": web.redirect_uris[0],
        "code_verifier": verifier})
    assert with_secret.status_code == 401


def _without(claims: dict, *names: str) -> dict:
    kept = {name: value for name, value in claims.items() if name not in names}
    return {"subject": claims["sub"], "roles": claims.get("roles", []), **kept}


def _public_only(jwks: dict, kid: str):
    """A stand-in private key object whose ``public_key()`` is the provider's real one."""
    from jose import jwk
    key = jwk.construct(next(k for k in jwks["keys"] if k["kid"] == kid), "RS256")

    class PublicHolder:
        def public_key(self):
            return key.prepared_key

    return PublicHolder()


def test_userinfo_without_a_token_is_401_with_a_bearer_challenge(sso) -> None:
    """RFC 6750 §3.1: no credentials → 401 and a challenge without an error code."""
    answer = requests.get(sso.url + "/oauth/userinfo", timeout=5)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="inservice-sso"'
    assert "error" not in answer.json()
