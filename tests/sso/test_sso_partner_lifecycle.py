"""A partner site's lifecycle through the API (R-SSO-2): applied → testing → approved
(ministry reference) → enabled → disabled (with date), steps only in that order."""
from __future__ import annotations

import requests
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

REDIRECT = "https://elearning.example.edu.tw/sso/callback"


def authorize(sso, client_id="elearning"):
    return requests.get(sso.url + "/oauth/authorize", allow_redirects=False, timeout=5, params={
        "response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "scope": "openid",
        "code_challenge": create_s256_code_challenge(generate_token(48)), "code_challenge_method": "S256"})


def test_the_lifecycle_in_order_with_its_history(sso) -> None:
    op = sso.token_for("op-1", "operator")
    applied = sso.call("POST", "/partners", op, json={
        "client_id": "elearning", "name": "南投縣數位學習平臺", "organisation": "南投縣政府",
        "redirect_uris": [REDIRECT], "contacts": ["elearning@ntct.example.edu.tw"],
        "allowed_scopes": ["openid", "profile"]})
    assert applied.status_code == 201, applied.text
    body = applied.json()
    assert body["status"] == "applied" and body["client_secret"]
    assert body["sector"] == "elearning.example.edu.tw"
    assert authorize(sso).status_code == 400  # not yet

    assert sso.call("POST", "/partners/elearning/enable", op).status_code == 409  # not approved
    assert sso.call("POST", "/partners/elearning/testing", op).json()["status"] == "testing"
    assert authorize(sso).status_code == 302  # test accounts may sign in now
    approval = sso.call("POST", "/partners/elearning/approval", op, json={
        "approval_reference": "臺教師(三)字第1010000001號", "approved_on": "2012-10-10"})
    assert approval.json()["status"] == "approved"
    assert approval.json()["approval_reference"] == "臺教師(三)字第1010000001號"
    assert authorize(sso).status_code == 400  # between approval and opening
    assert sso.call("POST", "/partners/elearning/enable", op).json()["status"] == "enabled"
    assert authorize(sso).status_code == 302
    disabled = sso.call("POST", "/partners/elearning/disable", op, json={"reason": "合作終止"})
    assert disabled.json()["status"] == "disabled" and disabled.json()["disabled_on"]
    assert sso.call("POST", "/partners/elearning/enable", op).status_code == 409  # closed for good
    assert authorize(sso).status_code == 400

    history = sso.call("GET", "/partners/elearning/history", op).json()
    assert [step["status"] for step in history] == ["applied", "testing", "approved", "enabled", "disabled"]
    assert all(step["by"] == "op-1" for step in history)


def test_a_new_secret_replaces_the_old_one_at_once(sso) -> None:
    op = sso.token_for("op-1", "operator")
    _, old = sso.partner("elearning", REDIRECT)
    new = sso.call("POST", "/partners/elearning/secret", op).json()["client_secret"]
    token_url = sso.url + "/oauth/token"
    form = {"grant_type": "refresh_token", "refresh_token": "x"}
    assert requests.post(token_url, auth=("elearning", old), data=form, timeout=5).status_code == 401
    assert requests.post(token_url, auth=("elearning", new), data=form, timeout=5).status_code == 400


def test_only_operators_manage_partners(sso) -> None:
    for role in ("teacher", "business", "reviewer", "viewer"):
        token = sso.token_for(f"{role}-1", role)
        assert sso.call("GET", "/partners", token).status_code == 403
    assert requests.get(sso.url + "/partners", timeout=5).status_code == 401
