"""What a fuzzer sent the sso service and got a 5xx for (issue 8, item 12; R-SSO-4,
R-SSO-7): each is now a 4xx — problem+json for the API, a page for the browser."""
from __future__ import annotations

import pytest
import requests


def post_password(sso, body: bytes):
    teacher = sso.teacher("teacher00001")
    return requests.post(sso.url + "/me/password", data=body, timeout=10, headers={
        "Authorization": f"Bearer {sso.token_for(teacher.account_id, 'teacher')}",
        "Content-Type": "application/json"})


def assert_problem(answer, status: int, slug: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["type"] == f"urn:inservice:problem:{slug}"


@pytest.mark.parametrize("query", [
    "",                                   # the browser came by itself
    "?state=s",                           # no code
    "?code=c",                            # no state
    "?error=access_denied&state=s",       # the county said no
    "?code=c&state=made-up",              # nobody waits for this state
    "?code=c&state=" + "s" * 5000,        # far longer than any state
    "?code=c%01&state=s%7F",              # control characters
    "?code=%F0%9F%98%80&state=%C3%A9",    # not what a county sends
])
def test_a_county_callback_without_a_pending_sign_on_is_a_400_page(sso, query) -> None:
    answer = requests.get(f"{sso.url}/login/county/NWT/callback{query}", timeout=10,
                          allow_redirects=False)
    assert answer.status_code == 400, answer.text[:300]
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "表單已逾時" in answer.text  # bad_form: start again


def test_nul_in_a_county_callback_is_refused_before_the_database(sso) -> None:
    for path in ("/login/county/NWT/callback?code=c%00&state=s", "/login/county/N%00/callback"):
        assert_problem(requests.get(sso.url + path, timeout=10), 400, "unstorable-text")


@pytest.mark.parametrize("body", [
    b'{"current_password": "\\ud800", "new_password": "a much better one"}',
    b'{"current_password": "pw", "new_password": "a much better \\udc00one"}',
    b'{"current_password": "pw\\u0000", "new_password": "a much better one"}',
])
def test_a_password_change_with_text_no_database_can_store_is_refused(sso, body) -> None:
    answer = post_password(sso, body)
    assert_problem(answer, 400, "unstorable-text")


@pytest.mark.parametrize("body, errors", [
    (b"", ["current_password", "new_password"]),
    (b"{}", ["current_password", "new_password"]),
    (b"[1]", ["_schema"]),
    (b'"text"', ["_schema"]),
    (b"\xff\xfe{", ["current_password", "new_password"]),   # not UTF-8, so not JSON
    (b'{"current_password": 1, "new_password": []}', ["current_password", "new_password"]),
    (b'{"current_password": "' + b"x" * 100_000 + b'", "new_password": "y"}', ["current_password"]),
])
def test_a_password_change_body_that_is_not_one_is_a_422(sso, body, errors) -> None:
    answer = post_password(sso, body)
    assert_problem(answer, 422, "validation-failed")
    assert sorted(answer.json()["errors"]) == errors


@pytest.mark.parametrize("link_id", [str(2**64), str(2**31), "1" * 5000, "%C2%B2", "%D9%A1"])
def test_a_county_link_id_that_no_link_can_have_is_not_found(sso, link_id) -> None:
    answer = sso.call("POST", f"/county-links/{link_id}/unlinking", sso.token_for("op-1", "operator"),
                      json={"reason": "a wrong match"})
    assert_problem(answer, 404, "not-found")


def test_wrong_current_passwords_lock_the_change_with_a_429(make_sso) -> None:
    sso = make_sso(SSO_LOCKOUT_ATTEMPTS="2")
    teacher = sso.teacher("teacher00001")
    token = sso.token_for(teacher.account_id, "teacher")
    wrong = {"current_password": "not it", "new_password": "a much better one"}
    for _ in range(2):
        assert_problem(sso.call("POST", "/me/password", token, json=wrong), 403, "wrong-password")
    assert_problem(sso.call("POST", "/me/password", token, json=wrong), 429, "locked")
    right = {**wrong, "current_password": teacher.password}
    assert_problem(sso.call("POST", "/me/password", token, json=right), 429, "locked")


def test_a_notice_outside_the_calendar_is_refused(sso) -> None:
    answer = sso.call("POST", "/notices", sso.token_for("op-1", "operator"), json={
        "title": "系統維護", "body": "停機", "starts_at": "2026-12-01T00:00:00+08:00",
        "ends_at": "9999-12-31T23:59:59-12:00"})
    assert_problem(answer, 422, "validation-failed")
    assert list(answer.json()["errors"]) == ["ends_at"]


NUL_REQUESTS = [  # method, path, form, Basic credentials
    ("POST", "/login", {"username": "teacher\x0000001", "password": "pw"}, None),
    ("POST", "/login/forgot", {"username": "teacher\x0000001"}, None),
    ("POST", "/oauth/token", {"grant_type": "authorization_code", "code": "c\x00",
                              "client_id": "web"}, None),
    ("POST", "/oauth/introspect", {"token": "t"}, ("partner\x00", "secret")),
    ("POST", "/oauth/revoke", {"token": "t\x00"}, ("partner", "secret")),
]


def assert_no_nul_reaches_the_database(sso) -> None:
    for method, path, form, credentials in NUL_REQUESTS:
        answer = requests.request(method, sso.url + path, data=form, auth=credentials, timeout=10,
                                  allow_redirects=False)
        assert_problem(answer, 400, "unstorable-text")


def test_nul_in_a_form_or_basic_credentials_is_refused(sso) -> None:
    assert_no_nul_reaches_the_database(sso)


@pytest.mark.postgres
def test_nul_in_a_form_is_no_server_error_on_postgresql(make_sso, make_database) -> None:
    # Where it matters: PostgreSQL's text cannot hold NUL, and these were 500s there.
    assert_no_nul_reaches_the_database(make_sso(DATABASE_URL=make_database("sso")))
