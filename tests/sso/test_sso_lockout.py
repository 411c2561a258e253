"""Brute-force lockout (R-SSO-7, issue 8 item 1): a login name is normalised once (NFKC,
surrounding whitespace, case; over 64 characters refused, never cut down), so every
spelling of a name shares one counter; failures also count per account; a lock lasts its
full time whatever the counting window does meanwhile."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from servicekit.clock import FixedClock
from services.sso.adapters.tables.sign_ins import login_throttle
from services.sso.adapters.throttle import Throttle
from services.sso.domain.logins import normalised_login

WRONG = "帳號或密碼錯誤。"
SIGNED_IN = "您已登入"


def attempt(sso, browser, username, password):
    page = browser.get(sso.url + "/login")
    return browser.submit(page, sso.url + "/login", username=username, password=password)


def lock_out(sso, browser, login, attempts=5):
    for n in range(attempts):
        assert WRONG in attempt(sso, browser, login, f"guess number {n}").text


def test_the_one_normalisation_of_a_typed_login() -> None:
    assert normalised_login("teacher00001") == "teacher00001"
    assert normalised_login("  TEACHER00001\t") == "teacher00001"
    assert normalised_login("ｔｅａｃｈｅｒ００００１") == "teacher00001"  # full-width
    assert normalised_login("\u3000teacher00001\u3000") == "teacher00001"  # ideographic space
    assert normalised_login("a" * 64) == "a" * 64
    assert normalised_login("a" * 65) is None  # refused, never truncated
    assert normalised_login("teacher00001" + " " * 52 + "x") is None
    assert normalised_login("   ") is None and normalised_login("") is None
    assert normalised_login("teacher\x0000001") is None  # a control character


def test_a_name_padded_past_64_characters_reaches_no_account(make_sso, browser) -> None:
    """Today's hole: the key was cut to 64 characters and the lookup stripped again, so
    this spelling had a fresh counter and still signed the teacher in."""
    sso = make_sso(SSO_LOCKOUT_ATTEMPTS="5", SSO_LOCKOUT_SECONDS="600")
    teacher = sso.teacher("teacher00001")
    lock_out(sso, browser, teacher.login)
    assert attempt(sso, browser, teacher.login, teacher.password).status_code == 429
    padded = teacher.login + " " * 52 + "x"
    answer = attempt(sso, browser, padded, teacher.password)
    assert answer.status_code == 200 and WRONG in answer.text and SIGNED_IN not in answer.text


def test_every_spelling_of_a_locked_name_is_locked(make_sso, browser) -> None:
    sso = make_sso(SSO_LOCKOUT_ATTEMPTS="5", SSO_LOCKOUT_SECONDS="600")
    teacher = sso.teacher("teacher00001")
    # Five failures spread over five spellings lock the name.
    spellings = ["teacher00001", " teacher00001", "TEACHER00001", "ｔｅａｃｈｅｒ００００１",
                 "teacher00001" + " " * 52]
    for n, spelling in enumerate(spellings):
        assert WRONG in attempt(sso, browser, spelling, f"guess number {n}").text
    for spelling in spellings:
        right = attempt(sso, browser, spelling, teacher.password)
        assert right.status_code == 429 and "Retry-After" in right.headers, spelling


def test_the_account_stays_locked_under_a_new_name(make_sso, browser) -> None:
    """Failures count against the account too: a name with a counter of its own (here the
    account renamed in the accounts service) does not lift the account's lock."""
    sso = make_sso(SSO_LOCKOUT_ATTEMPTS="5", SSO_LOCKOUT_SECONDS="600")
    teacher = sso.teacher("teacher00001")
    lock_out(sso, browser, teacher.login)
    sso.update_account(teacher, login="chen-yijun")
    locked = attempt(sso, browser, "chen-yijun", teacher.password)
    assert locked.status_code == 429 and SIGNED_IN not in locked.text


def test_a_locked_account_refuses_the_link_confirmation_too(make_sso) -> None:
    """The county link's platform-password confirmation checks the same counters."""
    from services.sso.handlers.credentials import Client, Locked, check_password
    sso = make_sso(SSO_LOCKOUT_ATTEMPTS="3", SSO_LOCKOUT_SECONDS="600")
    teacher = sso.teacher("teacher00001")
    for n in range(3):
        assert check_password(sso.dependencies.unit_of_work(), sso.dependencies.checking,
                              "Teacher00001 ", f"wrong {n}", Client(), method="link") is None
    try:
        check_password(sso.dependencies.unit_of_work(), sso.dependencies.checking, teacher.login,
                       teacher.password, Client(), method="link")
    except Locked:
        pass
    else:
        raise AssertionError("a locked account signed in through the link confirmation")


def test_a_lock_lasts_its_time_when_the_counting_window_ends_meanwhile(sso) -> None:
    """Today's hole: a lock set near the end of a window was lifted when the window ran out."""
    start = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    clock = FixedClock(start)
    throttle = Throttle(sso.dependencies.database, max_attempts=3, window_seconds=60, lock_seconds=600,
                        clock=clock)
    for second in (0, 58, 59):
        clock.set(start + timedelta(seconds=second))
        assert throttle.reserve("password:k")
        throttle.failed("password:k")
    for second in (61, 300, 658):  # the window is over, the lock (until 59 + 600) is not
        clock.set(start + timedelta(seconds=second))
        assert not throttle.reserve("password:k"), second
    clock.set(start + timedelta(seconds=659))
    assert throttle.reserve("password:k")


def test_an_unlocked_counter_starts_afresh_when_its_window_ends(sso) -> None:
    start = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    clock = FixedClock(start)
    throttle = Throttle(sso.dependencies.database, max_attempts=3, window_seconds=60, lock_seconds=600,
                        clock=clock)
    for _ in range(2):
        assert throttle.reserve("password:k")
        throttle.failed("password:k")
    clock.set(start + timedelta(seconds=61))
    for _ in range(3):
        assert throttle.reserve("password:k")


def test_an_attempt_takes_a_place_in_every_counter_or_in_none(sso) -> None:
    throttle = Throttle(sso.dependencies.database, max_attempts=2, window_seconds=60, lock_seconds=600)
    for _ in range(2):
        assert throttle.reserve("account:a1")
        throttle.failed("account:a1")
    assert not throttle.reserve("password:fresh-name", "account:a1")
    with sso.dependencies.database.session() as session:
        counted = session.scalar(select(login_throttle.c.attempts).where(
            login_throttle.c.login_key == "password:fresh-name"))
    assert counted is None  # the refused attempt took nothing from the name's counter
