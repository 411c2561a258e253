"""Passwords set through one-time links, and changed (R-SSO-7, R-ACC-4), on the fake unit
of work. A link is mailed to the account's address only, works once, and a new password
ends the account's other sign-ins. The operator's first-password link goes the same way
as a forgotten password's (one sender). Refusals: ``NotFound``, ``Invalid``
``no-address`` / ``weak-password``, ``Unavailable`` ``mail-unavailable``, ``Conflict``
``link-expired``, ``Forbidden`` ``wrong-password``, ``LimitReached`` ``locked``."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sso_fakes import FakeThrottle, World

from servicekit.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from services.sso.adapters.digests import digest
from services.sso.handlers import credentials, password_setup
from services.sso.handlers.credentials import Locked
from services.sso.handlers.password_mails import send_queued
from services.sso.handlers.sign_in_records import Client

WHO = Client("198.51.100.7", "pytest")
TOKEN = re.compile(r"/login/setup\?token=([A-Za-z0-9_-]+)")


def token_in(world: World) -> str:
    [mail] = world.mailer.sent
    [token] = set(TOKEN.findall(mail.body))
    return token


def test_the_operator_mails_a_first_password_link_through_the_one_sender() -> None:
    world = World()
    account = world.uow.add_account("teacher00001", email="lin.teacher@school.example.tw")
    sent_to = password_setup.send_setup_link(world.uow, world.mailing, account.account_id,
                                             "operator-1")
    assert sent_to == "l***@school.example.tw"
    [mail] = world.mailer.sent
    assert mail.to == ("lin.teacher@school.example.tw",) and "72" in mail.body
    [queued] = world.uow.password_links.mails.values()  # the same queue as a reset's
    assert (queued["purpose"], queued["outcome"]) == ("setup", "sent")
    token = token_in(world)
    assert password_setup.token_is_open(world.uow, world.clock, token)
    world.clock.advance(hours=72, seconds=1)
    assert not password_setup.token_is_open(world.uow, world.clock, token)


def test_a_link_that_could_not_be_mailed_does_not_work_and_is_not_sent_later() -> None:
    world = World()
    account = world.uow.add_account("teacher00001")
    world.mailer.failing = True
    with pytest.raises(Unavailable) as refused:
        password_setup.send_setup_link(world.uow, world.mailing, account.account_id, "op")
    assert refused.value.slug == "mail-unavailable"
    assert world.uow.password_links.links == {}
    world.mailer.failing = False
    world.clock.advance(minutes=5)
    assert send_queued(world.mailing) == 0  # the housekeeping does not send it behind the operator


def test_no_link_for_an_unknown_account_or_one_without_an_address() -> None:
    world = World()
    with pytest.raises(NotFound):
        password_setup.send_setup_link(world.uow, world.mailing, "no-such-account", "op")
    silent = world.uow.add_account("teacher00002", email=None)
    with pytest.raises(Invalid) as refused:
        password_setup.send_setup_link(world.uow, world.mailing, silent.account_id, "op")
    assert refused.value.slug == "no-address"
    assert world.mailer.sent == []


def test_a_reset_is_queued_alike_for_any_name_and_mailed_only_to_an_account() -> None:
    world = World()
    world.uow.add_account("teacher00001")
    for name in ("Teacher00001", "nobody-here"):
        password_setup.request_reset(world.uow, world.checking, world.mailing, name, WHO)
    assert [m["purpose"] for m in world.uow.password_links.mails.values()] == ["reset", "reset"]
    assert world.mailer.sent == []  # nothing before the commit's background work
    world.uow.run_after_commit_work()
    [mail] = world.mailer.sent
    assert mail.to == ("teacher00001@school.example.tw",)
    assert sorted(m["outcome"] for m in world.uow.password_links.mails.values()) == \
        ["no-account", "sent"]


def test_resets_for_a_name_are_counted() -> None:
    world = World(throttle=FakeThrottle(limit=2))
    for _ in range(4):
        password_setup.request_reset(world.uow, world.checking, world.mailing, "teacher9", WHO)
    assert len(world.uow.password_links.mails) == 2


def test_a_link_sets_a_password_once_and_ends_the_accounts_sign_ins() -> None:
    world = World()
    account = world.uow.add_account("teacher00001")
    password_setup.send_setup_link(world.uow, world.mailing, account.account_id, "op")
    token = token_in(world)
    with pytest.raises(Invalid) as weak:
        password_setup.set_password(world.uow, world.clock, world.passwords, world.sign_out, token, "short", WHO)
    assert weak.value.slug == "weak-password"
    done = password_setup.set_password(world.uow, world.clock, world.passwords, world.sign_out, token,
                                       "a long new secret", WHO)
    assert done == account
    assert world.passwords.verify(world.uow.credentials.hashes[account.account_id],
                                  "a long new secret")
    assert [(c["method"], c["client_address"]) for c in world.uow.credentials.changes] == \
        [("setup", "198.51.100.7")]
    assert world.uow.ended_sign_ins == [(account.account_id, "password-setup", None)]
    with pytest.raises(Conflict) as again:
        password_setup.set_password(world.uow, world.clock, world.passwords, world.sign_out, token,
                                    "another long secret", WHO)
    assert again.value.slug == "link-expired"
    assert world.uow.password_links.links[digest(token)]["used_at"] is not None


class CountingAccounts:
    """Wraps the fake's accounts and counts the reads."""

    def __init__(self, inner) -> None:
        self.inner, self.reads = inner, 0

    def __getattr__(self, name):
        self.reads += 1
        return getattr(self.inner, name)


def test_changing_a_password_reads_the_account_once_and_keeps_the_asking_grant() -> None:
    world = World()
    account = world.uow.add_account("teacher00001")
    world.with_password(account, "the old secret")
    world.uow.accounts = counting = CountingAccounts(world.uow.accounts)
    credentials.change_password(world.uow, world.checking, world.sign_out, account.account_id,
                                "the old secret", "the new long secret", WHO, grant_id="g-1")
    assert counting.reads == 1
    assert world.uow.ended_sign_ins == [(account.account_id, "password-self", "g-1")]
    assert [(r["outcome"], r["method"]) for r in world.uow.login_records.rows] == [("success", "password")]


def test_a_wrong_current_password_changes_nothing_and_the_lockout_answers_locked() -> None:
    world = World(throttle=FakeThrottle(limit=1, lock_seconds=900))
    account = world.uow.add_account("teacher00001")
    world.with_password(account, "the old secret")
    with pytest.raises(Forbidden) as wrong:
        credentials.change_password(world.uow, world.checking, world.sign_out, account.account_id, "guess",
                                    "the new long secret", WHO)
    assert wrong.value.slug == "wrong-password"
    with pytest.raises(Locked) as locked:
        credentials.change_password(world.uow, world.checking, world.sign_out, account.account_id,
                                    "the old secret", "the new long secret", WHO)
    assert (locked.value.slug, locked.value.retry_after) == ("locked", 900)
    assert world.uow.credentials.changes == [] and world.uow.ended_sign_ins == []


def test_an_operator_link_is_printed_for_a_new_operator_only() -> None:
    from services.sso.domain.accounts import RoleGrant
    from services.sso.handlers.operator_link import issue_operator_link
    world = World()
    operator = world.uow.add_account("ops.chen", kind="staff", grants=(RoleGrant("operator"),))
    link = issue_operator_link(world.uow, world.clock, world.mailing.url, "Ops.Chen", "alice",
                               "root", "host-1", wait_seconds=0)
    assert link.url.startswith("https://sso.example.tw/login/setup?token=")
    assert link.expires_at == world.clock.now() + timedelta(minutes=30)
    again = issue_operator_link(world.uow, world.clock, world.mailing.url, "ops.chen", "alice",
                                "root", "host-1", wait_seconds=0)
    assert len(world.uow.password_links.links) == 1  # the earlier open link is withdrawn
    assert again.url != link.url
    world.with_password(operator, "set already")
    with pytest.raises(Conflict) as set_already:
        issue_operator_link(world.uow, world.clock, world.mailing.url, "ops.chen", "alice",
                            "root", "host-1", wait_seconds=0)
    assert set_already.value.slug == "password-already-set"
    with pytest.raises(NotFound) as missing:
        issue_operator_link(world.uow, world.clock, world.mailing.url, "ops.lin", "alice",
                            "root", "host-1", wait_seconds=0)
    assert missing.value.slug == "account-not-replicated"
