"""The sign-in page, passwords and lockout (R-SSO-7, issue point 3), and the records that
R-ACC-4 keeps and tidies."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import requests
from sqlalchemy import func, select, update

from services.sso.adapters.passwords import hasher_with
from services.sso.adapters.tables.credentials import credentials, password_changes
from services.sso.adapters.tables.sign_ins import login_records
from services.sso.config import DEMO_ARGON2
from services.sso.handlers.credentials import set_passwords
from services.sso.handlers.housekeeping import tidy_records


def login_page(sso, browser, **params):
    return browser.get(sso.url + "/login", params=params)


def attempt(sso, browser, username, password):
    page = login_page(sso, browser)
    return browser.submit(page, sso.url + "/login", username=username, password=password)


def test_the_page_is_zh_tw_by_default_and_english_on_request(sso, browser) -> None:
    page = login_page(sso, browser)
    assert page.status_code == 200 and '<html lang="zh-TW">' in page.text
    assert "帳號" in page.text and "密碼" in page.text
    assert 'name="username"' in page.text and 'name="password"' in page.text
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"
    english = login_page(sso, browser, lang="en")
    assert '<html lang="en">' in english.text and "Username" in english.text


def test_a_wrong_user_and_a_wrong_password_get_the_same_answer(sso, browser) -> None:
    teacher = sso.teacher("teacher00001")
    wrong_password = attempt(sso, browser, teacher.login, "not it at all")
    wrong_user = attempt(sso, browser, "teacher99999", "not it at all")
    assert wrong_password.status_code == wrong_user.status_code == 200

    def message(response):
        return response.text.split('role="alert">')[1].split("<")[0]
    assert message(wrong_password) == message(wrong_user) == "帳號或密碼錯誤。"
    assert "Set-Cookie" not in wrong_password.headers or "sso_session" not in wrong_password.headers["Set-Cookie"]


def test_a_post_without_the_form_token_is_refused(sso, browser) -> None:
    teacher = sso.teacher("teacher00001")
    forged = requests.post(sso.url + "/login", data={"username": teacher.login,
                                                     "password": teacher.password}, timeout=5,
                           allow_redirects=False)
    assert forged.status_code == 400 and "sso_session" not in forged.headers.get("Set-Cookie", "")


def test_parallel_attempts_cannot_get_around_the_lockout(make_sso, browser) -> None:
    sso = make_sso(SSO_LOCKOUT_ATTEMPTS="5", SSO_LOCKOUT_SECONDS="1")
    teacher = sso.teacher("teacher00001")
    browsers = [type(browser)() for _ in range(20)]
    pages = [login_page(sso, b) for b in browsers]
    start = threading.Barrier(len(browsers))
    answers: list[int] = []

    def guess(b, page, n):
        start.wait()
        answers.append(b.submit(page, sso.url + "/login", username=teacher.login,
                                password=f"guess number {n}").status_code)

    threads = [threading.Thread(target=guess, args=(b, p, n))
               for n, (b, p) in enumerate(zip(browsers, pages, strict=True))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200] * 5 + [429] * 15
    with sso.dependencies.database.session() as session:
        outcomes = dict(session.execute(select(login_records.c.outcome, func.count())
                                        .group_by(login_records.c.outcome)).all())
    assert outcomes == {"failure": 5, "locked": 15}  # five passwords checked, no more

    # Locked: the right password is refused too, and an unknown name locks the same way.
    right = attempt(sso, browser, teacher.login, teacher.password)
    assert right.status_code == 429 and "Retry-After" in right.headers
    for _ in range(5):
        attempt(sso, browser, "nobody-at-all", "whatever it is")
    assert attempt(sso, browser, "nobody-at-all", "whatever it is").status_code == 429
    time.sleep(1.1)
    assert "您已登入" in attempt(sso, browser, teacher.login, teacher.password).text


def test_signing_in_rehashes_a_cheap_hash_and_records_it(make_sso, browser) -> None:
    sso = make_sso(SSO_ARGON2_MEMORY_KIB="2048")
    teacher = sso.teacher("teacher00001")
    set_passwords(sso.dependencies.unit_of_work(), sso.dependencies.clock, {  # as the demo
        teacher.account_id: hasher_with(DEMO_ARGON2).hash(teacher.password)},  # seed: cheaply
        method=None)
    with sso.dependencies.database.session() as session:
        before = session.scalar(select(credentials.c.password_hash))
    assert "m=4096" in before
    answer = attempt(sso, browser, teacher.login, teacher.password)
    assert answer.status_code == 200 and "您已登入" in answer.text
    assert "sso_session=" in answer.headers["Set-Cookie"] and "HttpOnly" in answer.headers["Set-Cookie"]
    with sso.dependencies.database.session() as session:
        after = session.scalar(select(credentials.c.password_hash))
        outcomes = session.execute(select(login_records.c.login, login_records.c.outcome)).all()
    assert after.startswith("$argon2id$") and "m=2048" in after
    assert [tuple(row) for row in outcomes] == [("teacher00001", "success")]


def test_a_password_change_needs_the_current_one_and_is_recorded(sso, browser) -> None:
    teacher = sso.teacher("teacher00001")
    token = sso.token_for(teacher.account_id, "teacher")
    wrong = sso.call("POST", "/me/password", token,
                     json={"current_password": "nope", "new_password": "a much better one"})
    assert wrong.status_code == 403
    weak = sso.call("POST", "/me/password", token,
                    json={"current_password": teacher.password, "new_password": "short"})
    assert weak.status_code == 422
    done = sso.call("POST", "/me/password", token,
                    json={"current_password": teacher.password, "new_password": "a much better one"})
    assert done.status_code == 204
    assert "您已登入" in attempt(sso, browser, teacher.login, "a much better one").text
    with sso.dependencies.database.session() as session:
        methods = list(session.scalars(select(password_changes.c.method)
                                       .order_by(password_changes.c.id)))
    assert methods == ["setup", "self"]


def test_tidy_records_keeps_the_retention_period_and_removes_what_is_older(sso, browser) -> None:
    teacher = sso.teacher("teacher00001")
    attempt(sso, browser, teacher.login, teacher.password)
    attempt(sso, browser, teacher.login, "wrong password here")
    now = sso.dependencies.clock.now()
    with sso.dependencies.database.session() as session:
        first = session.scalar(select(func.min(login_records.c.id)))
        session.execute(update(login_records).where(login_records.c.id == first)
                        .values(at=now - timedelta(days=400)))
        session.execute(update(password_changes).values(changed_at=now - timedelta(days=400)))
    counts = tidy_records(sso.dependencies, retention_days=365)
    assert counts["login_records"] == 1 and counts["password_changes"] == 1
    with sso.dependencies.database.session() as session:
        assert session.scalar(select(func.count()).select_from(login_records)) == 1
