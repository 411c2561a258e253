"""A password through a one-time link mailed to the account's own address: the first one
(an operator sends it) and a forgotten one (the person asks) (R-SSO-7)."""
from __future__ import annotations

import re
import uuid

import requests

LINK = re.compile(r"(http://\S+/login/setup\?token=\S+)")


def link_in(smtp) -> str:  # type: ignore[no-untyped-def]
    _, message = smtp.messages[-1]
    return LINK.search(message.get_content()).group(1)


def test_an_operator_mails_a_first_password_link_that_works_once(make_sso, browser, smtp) -> None:  # type: ignore[no-untyped-def]
    sso = make_sso(SSO_SMTP_PORT=str(smtp.port))
    account_id = str(uuid.uuid4())
    sso.publish("accounts.account.created.v1", {
        "account_id": account_id, "login": "teacher00042", "kind": "teacher", "status": "enabled",
        "display_name": "陳怡君", "email": "chen@school.example.tw", "unit_code": "353301",
        "authority_code": None, "county_code": "TPE", "version": 1})
    sent = sso.call("POST", f"/accounts/{account_id}/password-setup", sso.token_for("op-1", "operator"))
    assert sent.status_code == 200 and sent.json() == {"sent_to": "c***@school.example.tw"}
    assert "token" not in sent.text
    [recipients] = [r for r, _ in smtp.messages]
    assert recipients == ["chen@school.example.tw"]

    link = link_in(smtp)
    assert link.startswith(sso.url + "/login/setup?token=")
    page = browser.get(link)
    assert page.status_code == 200 and "設定密碼" in page.text
    mismatch = browser.submit(page, sso.url + "/login/setup", password="a fine new password", again="another")
    assert mismatch.status_code == 400
    weak = browser.submit(page, sso.url + "/login/setup", password="teacher00042x", again="teacher00042x")
    assert weak.status_code == 422
    done = browser.submit(page, sso.url + "/login/setup", password="a fine new password",
                          again="a fine new password")
    assert done.status_code == 200 and "密碼已設定" in done.text
    assert browser.get(link).status_code == 400  # once
    login = browser.get(sso.url + "/login")
    signed_in = browser.submit(login, sso.url + "/login", username="teacher00042",
                               password="a fine new password")
    assert "您已登入" in signed_in.text


def test_a_forgotten_password_gets_the_same_answer_for_anyone_and_ends_old_sessions(make_sso, browser, smtp) -> None:  # type: ignore[no-untyped-def]
    sso = make_sso(SSO_SMTP_PORT=str(smtp.port))
    teacher = sso.teacher("teacher00001")
    login = browser.get(sso.url + "/login")
    browser.submit(login, sso.url + "/login", username=teacher.login, password=teacher.password)

    other = type(browser)()
    form = other.get(sso.url + "/login/forgot")
    unknown = other.submit(form, sso.url + "/login/forgot", username="nobody-here")
    known = other.submit(form, sso.url + "/login/forgot", username=teacher.login)
    assert unknown.status_code == known.status_code == 200
    assert unknown.text.split("<h1>")[1] == known.text.split("<h1>")[1]
    assert [r for r, _ in smtp.messages] == [["teacher00001@school.example.tw"]]

    page = other.get(link_in(smtp))
    other.submit(page, sso.url + "/login/setup", password="a brand new secret", again="a brand new secret")
    # The session signed in with the old password is over.
    assert browser.get(sso.url + "/logout").text.count('action="/logout"') == 0
    for _ in range(10):
        other.submit(form, sso.url + "/login/forgot", username=teacher.login)
    assert len(smtp.messages) <= 1 + 5  # counted like sign-in attempts
    assert requests.get(sso.url + "/login/setup", params={"token": "made-up"}, timeout=5).status_code == 400
