"""Pairwise subjects (R-SSO-3, issue point 5): one value per (sector, person), the same for
two partners of one sector, different across sectors — in the id token, userinfo,
introspection and the back-channel logout token alike; and claims minimised per partner."""
from __future__ import annotations

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from jose import jwt as jose_jwt

from services.sso.domain.pairwise import pairwise_subject

SECTOR = "https://sector-one.example/sector.json"


def flow(sso, browser, teacher, client_id, secret, redirect, scope):
    client = OAuth2Session(client_id, secret, scope=scope, redirect_uri=redirect,
                           code_challenge_method="S256")
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(sso.url + "/oauth/authorize", code_verifier=verifier,
                                             nonce=generate_token(16))
    callback = browser.sign_in(url, sso.url, teacher.login, teacher.password)
    token = client.fetch_token(sso.url + "/oauth/token", authorization_response=callback,
                               code_verifier=verifier)
    userinfo = client.get(sso.url + "/oauth/userinfo").json()
    introspection = requests.post(sso.url + "/oauth/introspect", auth=(client_id, secret),
                                  data={"token": token["access_token"]}, timeout=5).json()
    return {"id_token": jose_jwt.get_unverified_claims(token["id_token"])["sub"],
            "userinfo": userinfo["sub"], "introspection": introspection["sub"]}, userinfo


def test_one_sector_one_subject_other_sectors_another_in_all_four_places(sso, browser, receiver) -> None:
    teacher = sso.teacher("teacher00001")
    backchannel = receiver.url + "/backchannel"
    sso.serve_sector_document(SECTOR, ["http://127.0.0.1:9/a/cb", "http://localhost:9/a/cb",
                                       "http://localhost:9/b/cb"])
    partners = {
        # Two sites of one organisation, on several hosts: one sector, by its identifier.
        "site-a": sso.partner("site-a", "http://127.0.0.1:9/a/cb", sector_identifier_uri=SECTOR,
                              backchannel_logout_uri=backchannel,
                              redirect_uris=("http://127.0.0.1:9/a/cb", "http://localhost:9/a/cb")),
        "site-b": sso.partner("site-b", "http://localhost:9/b/cb", sector_identifier_uri=SECTOR,
                              backchannel_logout_uri=backchannel),
        # Another organisation: its own sector (its redirect host).
        "site-c": sso.partner("site-c", "http://127.0.0.1:9/c/cb", backchannel_logout_uri=backchannel),
    }
    seen, released = {}, {}
    redirects = {"site-a": "http://127.0.0.1:9/a/cb", "site-b": "http://localhost:9/b/cb",
                 "site-c": "http://127.0.0.1:9/c/cb"}
    scopes = {"site-a": "openid profile", "site-b": "openid email", "site-c": "openid school"}
    for name, (_client, secret) in partners.items():
        seen[name], released[name] = flow(sso, browser, teacher, name, secret, redirects[name],
                                          scopes[name])

    # Logout at the provider (confirmed on its page): every partner is told.
    page = browser.get(sso.url + "/logout")
    assert page.status_code == 200
    browser.submit(page, sso.url + "/logout")
    for delivery in receiver.wait_for(3):
        claims = jose_jwt.get_unverified_claims(delivery["logout_token"])
        seen[claims["aud"]]["logout_token"] = claims["sub"]

    key = sso.dependencies.config.pairwise_secret
    expected = {"site-a": pairwise_subject(key, "sector-one.example", teacher.account_id),
                "site-b": pairwise_subject(key, "sector-one.example", teacher.account_id),
                "site-c": pairwise_subject(key, "127.0.0.1", teacher.account_id)}
    for name, places in seen.items():
        assert set(places) == {"id_token", "userinfo", "introspection", "logout_token"}, name
        assert set(places.values()) == {expected[name]}, (name, places)
    assert expected["site-a"] == expected["site-b"] != expected["site-c"]
    assert teacher.account_id not in {expected["site-a"], expected["site-c"]}

    # Claims minimised per partner: each got what its scope releases, nothing more.
    assert set(released["site-a"]) == {"sub", "name"}
    assert set(released["site-b"]) == {"sub", "email"}
    assert set(released["site-c"]) == {"sub", "school_code", "county_code"}


def test_redirect_uris_on_several_hosts_need_a_sector_identifier(sso) -> None:
    answer = sso.call("POST", "/partners", sso.token_for("op-1", "operator"), json={
        "client_id": "two-hosts", "name": "Two hosts",
        "redirect_uris": ["https://one.example/cb", "https://two.example/cb"]})
    assert answer.status_code == 422 and "sector_identifier_uri" in answer.json()["detail"]
    sso.serve_sector_document(SECTOR, ["https://one.example/cb", "https://two.example/cb"])
    answer = sso.call("POST", "/partners", sso.token_for("op-1", "operator"), json={
        "client_id": "two-hosts", "name": "Two hosts", "sector_identifier_uri": SECTOR,
        "redirect_uris": ["https://one.example/cb", "https://two.example/cb"]})
    assert answer.status_code == 201
    assert answer.json()["sector"] == "sector-one.example" and answer.json()["status"] == "applied"
    assert answer.json()["client_secret"]


def test_the_subject_does_not_depend_on_anything_but_sector_and_account() -> None:
    key = b"k" * 32
    assert pairwise_subject(key, "A.example", "ID-1") == pairwise_subject(key, "a.example", "id-1")
    assert pairwise_subject(key, "a.example", "id-1") != pairwise_subject(key, "a.example", "id-2")
    assert pairwise_subject(key, "a.example", "id-1") != pairwise_subject(b"j" * 32, "a.example", "id-1")


def test_a_sector_is_claimed_only_with_a_document_listing_every_redirect_uri(sso) -> None:
    """OpenID Connect Core 8.1: the provider reads the sector identifier document and checks
    it lists the client's redirect URIs — or a partner could name another organisation's
    sector and receive the same pairwise subjects as that organisation's sites."""
    operator = sso.token_for("op-1", "operator")

    def register(client_id, sector, *redirects):
        return sso.call("POST", "/partners", operator, json={
            "client_id": client_id, "name": client_id, "sector_identifier_uri": sector,
            "redirect_uris": list(redirects)})

    sso.serve_sector_document(SECTOR, ["https://one.example/cb"])
    intruder = register("intruder", SECTOR, "https://one.example/cb", "https://evil.example/cb")
    assert intruder.status_code == 422
    assert intruder.json()["type"] == "urn:inservice:problem:invalid-client"
    assert "https://evil.example/cb" in intruder.json()["detail"]
    missing = register("nowhere", "https://nowhere.example/sector.json", "https://one.example/cb")
    assert missing.status_code == 422 and "HTTP 404" in missing.json()["detail"]
    for body, why in ((b"{\"uris\": []}", "JSON array"), (b"<html>", "not JSON"),
                      (b"[" + b'"x",' * 30000 + b'"x"]', "larger than")):
        sso.sector_sites.documents["https://bad.example/s.json"] = body
        refused = register("bad", "https://bad.example/s.json", "https://one.example/cb")
        assert refused.status_code == 422 and why in refused.json()["detail"], why
    assert sso.call("GET", "/partners/intruder", operator).status_code == 404  # nothing kept
    assert register("one", SECTOR, "https://one.example/cb").status_code == 201
