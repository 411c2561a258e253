"""A password through a one-time link mailed to the account's own address: the first one
(an operator sends it) and a forgotten one (the person asks) (R-SSO-7). A forgotten one
is answered at once, the same for any name, and mailed afterwards from a durable queue."""
from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta

import requests
from sqlalchemy import func, select, update

from contracts.events.accounts import ACCOUNT_CREATED
from services.sso.adapters.tables.credentials import password_mails, password_setups
from services.sso.handlers.housekeeping import tidy_records

LINK = re.compile(r"(http://\S+/login/setup\?token=\S+)")


def link_in(smtp) -> str:
    _, message = smtp.messages[-1]
    return LINK.search(message.get_content()).group(1)


def test_an_operator_mails_a_first_password_link_that_works_once(make_sso, browser, smtp) -> None:
    sso = make_sso(SSO_SMTP_PORT=str(smtp.port))
    account_id = str(uuid.uuid4())
    sso.publish(ACCOUNT_CREATED, {
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


def test_a_forgotten_password_gets_the_same_answer_for_anyone_and_ends_old_sessions(make_sso, browser, smtp) -> None:
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
    assert [r for r, _ in smtp.wait_for(1)] == [["teacher00001@school.example.tw"]]

    page = other.get(link_in(smtp))
    other.submit(page, sso.url + "/login/setup", password="a brand new secret", again="a brand new secret")
    # The session signed in with the old password is over.
    assert browser.get(sso.url + "/logout").text.count('action="/logout"') == 0
    for _ in range(10):
        other.submit(form, sso.url + "/login/forgot", username=teacher.login)
    assert len(smtp.wait_for(1 + 6, seconds=2)) <= 1 + 5  # counted like sign-in attempts
    assert requests.get(sso.url + "/login/setup", params={"token": "made-up"}, timeout=5).status_code == 400


# -- "forgot password" answers at once; the mail follows from a durable queue (issue 8 item 9)
class RecordingMailer:
    """Takes mail as the SMTP mailer does; ``delay`` seconds per call, or ``failure``."""

    def __init__(self, delay: float = 0.0, failure: Exception | None = None) -> None:
        self.delay, self.failure = delay, failure
        self.sent: list = []

    def send(self, mails):
        time.sleep(self.delay)
        if self.failure is not None:
            raise self.failure
        self.sent.extend(mails)
        return [None] * len(mails)

    def wait_for(self, count: int, seconds: float = 10) -> list:
        deadline = time.monotonic() + seconds
        while len(self.sent) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.sent


def ask_for_reset(sso, browser, username):
    form = browser.get(sso.url + "/login/forgot")
    started = time.monotonic()
    answer = browser.submit(form, sso.url + "/login/forgot", username=username)
    return answer, time.monotonic() - started


def queued(sso) -> list:
    with sso.dependencies.database.session() as session:
        return session.execute(select(password_mails).order_by(password_mails.c.id)).all()


def wait_until(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def open_links(sso) -> int:
    with sso.dependencies.database.session() as session:
        return session.scalar(select(func.count()).select_from(password_setups).where(
            password_setups.c.used_at.is_(None)))


def test_the_answer_does_not_wait_for_the_mail_server(sso, browser) -> None:
    teacher = sso.teacher("teacher00001")
    mailer = sso.dependencies.mailer = RecordingMailer(delay=6.0)
    answer, took = ask_for_reset(sso, browser, teacher.login)
    assert answer.status_code == 200 and took < 3.0  # the mailer takes 6 s
    [mail] = mailer.wait_for(1, seconds=20)
    assert mail.to == ("teacher00001@school.example.tw",)
    assert LINK.search(mail.body).group(1).startswith(sso.url + "/login/setup?token=")
    assert wait_until(lambda: queued(sso)[0].outcome == "sent")


def test_an_unknown_name_gets_the_same_queue_row_and_never_a_mail(sso, browser) -> None:
    teacher = sso.teacher("teacher00001")
    sso.teacher("teacher00002", status="disabled")
    mailer = sso.dependencies.mailer = RecordingMailer()
    for name in ("nobody-here", "teacher00002", teacher.login):
        answer, _ = ask_for_reset(sso, browser, name)
        assert answer.status_code == 200
    # The same work for each request: one row, written before the answer.
    assert [row.account_id is None for row in queued(sso)] == [True, False, False]
    assert wait_until(lambda: all(row.done_at is not None for row in queued(sso)))
    assert [row.outcome for row in queued(sso)] == ["no-account", "disabled", "sent"]
    assert [mail.to for mail in mailer.sent] == [("teacher00001@school.example.tw",)]


def test_a_mail_that_fails_stays_queued_and_the_housekeeping_sends_it(sso, browser) -> None:
    teacher = sso.teacher("teacher00001")
    sso.dependencies.mailer = RecordingMailer(failure=OSError("mail server down"))
    answer, _ = ask_for_reset(sso, browser, teacher.login)
    assert answer.status_code == 200
    assert wait_until(lambda: queued(sso)[0].last_error is not None)
    [row] = queued(sso)
    assert row.attempts == 1 and row.done_at is None and "mail server down" in row.last_error
    assert open_links(sso) == 0  # the link that never arrived does not work

    mailer = sso.dependencies.mailer = RecordingMailer()
    assert tidy_records(sso.dependencies)["password_mails_sent"] == 0  # a try just made is not repeated at once
    with sso.dependencies.database.session() as session:
        session.execute(update(password_mails).values(tried_at=sso.dependencies.clock.now() - timedelta(minutes=2)))
    assert tidy_records(sso.dependencies)["password_mails_sent"] == 1
    [mail] = mailer.sent
    page = browser.get(LINK.search(mail.body).group(1))
    assert page.status_code == 200 and "設定密碼" in page.text
    [row] = queued(sso)
    assert row.outcome == "sent" and row.attempts == 2
    assert tidy_records(sso.dependencies)["password_mails_sent"] == 0  # sent once
