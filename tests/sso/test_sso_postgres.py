"""On real PostgreSQL, where transactions do run at the same time (SQLite takes them one
by one): the lockout's atomic counter and the single-use code hold under parallel load."""
from __future__ import annotations

import threading

import pytest
import requests
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

pytestmark = pytest.mark.postgres


def in_parallel(count: int, work) -> list:
    start = threading.Barrier(count)
    results: list = []

    def run(n: int) -> None:
        start.wait()
        results.append(work(n))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_forty_parallel_attempts_get_exactly_the_allowed_five(make_sso, make_database) -> None:
    sso = make_sso(DATABASE_URL=make_database("sso"), SSO_LOCKOUT_ATTEMPTS="5")
    results = in_parallel(40, lambda _n: sso.dependencies.throttle.reserve("password:teacher00001"))
    assert results.count(True) == 5


def test_a_code_redeemed_by_many_at_once_is_redeemed_once(make_sso, make_database, browser, query) -> None:
    sso = make_sso(DATABASE_URL=make_database("sso"))
    teacher = sso.teacher("teacher00001")
    redirect = "http://127.0.0.1:9/a/cb"
    _, secret = sso.partner("partner-a", redirect)
    verifier = generate_token(48)
    url = requests.Request("GET", sso.url + "/oauth/authorize", params={
        "response_type": "code", "client_id": "partner-a", "redirect_uri": redirect,
        "scope": "openid", "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256"}).prepare().url
    code = query(browser.sign_in(url, sso.url, teacher.login, teacher.password))["code"]

    def redeem(_n: int) -> int:
        return requests.post(sso.url + "/oauth/token", auth=("partner-a", secret), timeout=10, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
            "code_verifier": verifier}).status_code

    statuses = in_parallel(8, redeem)
    assert sorted(statuses) == [200] + [400] * 7


def test_forty_parallel_attempts_under_forty_names_get_five_places_of_the_account(make_sso, make_database) -> None:
    """Each attempt takes a place in its name's counter and in the account's, all or none,
    in one transaction: the account's limit holds whatever names are tried, and the
    counters are always locked in the same order (no deadlock)."""
    sso = make_sso(DATABASE_URL=make_database("sso"), SSO_LOCKOUT_ATTEMPTS="5")
    results = in_parallel(40, lambda n: sso.dependencies.throttle.reserve(f"password:name-{n}", "account:a1"))
    assert results.count(True) == 5
