"""Browser sessions and the end of every sign-in of an account (R-SSO-5, R-SSO-7), on the
fake unit of work: no database, no broker, no network."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sso_fakes import FakeKeys, FakeSsoUnitOfWork, clock, config

from contracts.events.sso import ACCOUNT_SIGNED_IN
from services.sso.adapters.digests import digest
from services.sso.domain.accounts import Account
from services.sso.domain.clients import ENABLED, FIRST_PARTY, Client
from services.sso.domain.grants import StoredGrant
from services.sso.handlers.backchannel import LogoutSender
from services.sso.handlers.sessions import current_session, end_sign_ins, start_session
from services.sso.handlers.sign_in_records import Client as Who

SESSION_SECONDS = 3600
TEACHER_ID = "5b0c1f3e-0000-4000-8000-000000000001"
OTHER_ID = "5b0c1f3e-0000-4000-8000-000000000002"
TEACHER = Account(TEACHER_ID, "teacher00001", "teacher", "enabled", "老師")
WEB = Client("web", "Web", kind=FIRST_PARTY, status=ENABLED, auth_method="none",
             redirect_uris=("https://platform.example/callback",))
PARTNER = Client("partner-a", "Partner A", status=ENABLED, sector="partner.example",
                 redirect_uris=("https://partner.example/callback",),
                 backchannel_logout_uri="https://partner.example/logout")


@pytest.fixture
def uow() -> FakeSsoUnitOfWork:
    uow = FakeSsoUnitOfWork()
    uow.accounts.accounts[TEACHER.account_id] = TEACHER
    for client in (WEB, PARTNER):
        uow.clients.clients[client.client_id] = client
    return uow


def grant(uow: FakeSsoUnitOfWork, grant_id: str, client: Client, sid: str | None,
          account_id: str = TEACHER.account_id) -> None:
    now = clock().now()
    uow.grants.add(StoredGrant(grant_id, client.client_id, account_id, sid, "openid", now, "pwd",
                               now, now + timedelta(hours=1)))


def test_a_session_starts_with_its_cookie_and_announces_the_sign_in(uow) -> None:
    """The cookie is kept only as a digest; the sign-in is an event (accounts keeps the
    last sign-in); a password sign-in is recorded where the password is checked."""
    cookie, session = start_session(uow, clock(), SESSION_SECONDS, TEACHER, "password", Who())
    [stored] = uow.sessions.rows
    assert stored.cookie_hash == digest(cookie) and stored.sid == session.sid
    assert stored.expires_at == clock().now() + timedelta(seconds=SESSION_SECONDS)
    assert session.amr == "pwd"
    assert uow.recorded(ACCOUNT_SIGNED_IN) == [{
        "account_id": TEACHER_ID, "at": clock().now().isoformat(), "method": "password",
        "county_code": None}]
    assert uow.login_records.rows == []
    assert current_session(uow, clock(), cookie) == session


def test_a_county_sign_in_is_recorded_by_the_accounts_login_name(uow) -> None:
    start_session(uow, clock(), SESSION_SECONDS, TEACHER, "county_oidc",
                  Who("192.0.2.1", "x" * 300), county_code="TPE")
    [record] = uow.login_records.rows
    assert record["login"] == "teacher00001" and record["method"] == "county_oidc"
    assert record["outcome"] == "success" and record["county_code"] == "TPE"
    assert len(record["user_agent"]) == 200


def test_a_new_sign_in_in_the_browser_ends_its_session_and_the_web_grants_made_in_it(uow) -> None:
    old_cookie, old = start_session(uow, clock(), SESSION_SECONDS, TEACHER, "password", Who())
    grant(uow, "g-web", WEB, old.sid)
    grant(uow, "g-partner", PARTNER, old.sid)  # offline access outlives the browser session
    start_session(uow, clock(), SESSION_SECONDS, TEACHER, "password", Who(),
                  replacing=old_cookie)
    assert uow.sessions.by_sid(old.sid).ended_at == clock().now()
    assert current_session(uow, clock(), old_cookie) is None
    assert uow.grants.get("g-web").revoked_reason == "session-ended"
    assert uow.grants.get("g-partner").revoked_at is None


def test_no_session_for_an_expired_cookie_a_disabled_account_or_a_made_up_cookie(uow) -> None:
    moving = clock()
    cookie, _ = start_session(uow, moving, SESSION_SECONDS, TEACHER, "password", Who())
    assert current_session(uow, moving, "x" * 101) is None  # never looked up
    assert current_session(uow, moving, "made-up") is None
    moving.advance(seconds=SESSION_SECONDS)
    assert current_session(uow, moving, cookie) is None
    again, _ = start_session(uow, moving, SESSION_SECONDS, TEACHER, "password", Who())
    uow.accounts.accounts[TEACHER_ID] = Account(TEACHER_ID, "teacher00001", "teacher", "disabled", "老師")
    assert current_session(uow, moving, again) is None


def sender(uow: FakeSsoUnitOfWork) -> LogoutSender:
    return LogoutSender(lambda: uow, FakeKeys(), config(), clock())  # type: ignore[arg-type]


def test_ending_every_sign_in_keeps_the_grant_that_asked_and_tells_the_partners(uow) -> None:
    """A password change keeps the sign-in it was made in (R-SSO-7); every other session
    and grant ends, and each partner with a back-channel URI is told, after the commit."""
    _, kept = start_session(uow, clock(), SESSION_SECONDS, TEACHER, "password", Who())
    _, other = start_session(uow, clock(), SESSION_SECONDS, TEACHER, "password", Who())
    grant(uow, "g-kept", WEB, kept.sid)
    grant(uow, "g-other", PARTNER, other.sid)
    with uow:
        end_sign_ins(uow, sender(uow), TEACHER_ID, "password-self", keeping_grant="g-kept")
    assert uow.sessions.by_sid(kept.sid).ended_at is None
    assert uow.sessions.by_sid(other.sid).ended_at == clock().now()
    assert uow.grants.get("g-kept").revoked_at is None
    assert uow.grants.get("g-other").revoked_reason == "password-self"
    [delivery] = uow.logout_deliveries.rows.values()
    assert delivery.client_id == "partner-a" and delivery.sid == other.sid
    assert delivery.subject != TEACHER_ID  # the partner's pairwise subject
    assert uow.after_commit_work == [("backchannel-logout", [delivery.id])]


def test_a_grant_of_another_account_keeps_nothing(uow) -> None:
    _, session = start_session(uow, clock(), SESSION_SECONDS, TEACHER, "password", Who())
    grant(uow, "g-mine", WEB, session.sid)
    grant(uow, "g-theirs", WEB, "their-sid", account_id=OTHER_ID)
    with uow:
        end_sign_ins(uow, sender(uow), TEACHER_ID, "account-disabled", keeping_grant="g-theirs")
    assert uow.sessions.by_sid(session.sid).ended_at is not None
    assert uow.grants.get("g-mine").revoked_reason == "account-disabled"
    assert uow.grants.get("g-theirs").revoked_at is None


def test_nothing_is_sent_when_the_work_rolls_back(uow) -> None:
    _, session = start_session(uow, clock(), SESSION_SECONDS, TEACHER, "password", Who())
    grant(uow, "g-1", PARTNER, session.sid)
    with pytest.raises(RuntimeError), uow:
        end_sign_ins(uow, sender(uow), TEACHER_ID, "account-disabled")
        raise RuntimeError("the consumer's transaction fails after this")
    assert uow.after_commit_work == []
