"""The one-time password link of a new operator, printed at the command line (R-OPS-3).

The accounts service makes the operator (``python -m services.accounts create-operator``);
the account reaches this service's replica as accounts events, like every account — the
services share no database and no code, and the link never crosses the bus. This command
waits a bounded time for the account and its operator grant to arrive, then issues a
link good once for ``OPERATOR_SECONDS``, of which only the digest is kept (as a mailed
one), and records who asked in ``operator_links``. A new link withdraws the earlier one
still open.

It issues links for enabled operators that have no password yet, and for nobody else: it
is not a way around "forgot password" for an account in use.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from servicekit.clock import Clock
from servicekit.errors import Conflict, Invalid, NotFound
from services.sso.adapters.unit_of_work import SsoWork
from services.sso.domain.accounts import Account
from services.sso.domain.logins import normalised_login
from services.sso.handlers.password_mails import LINK_SECONDS, link_url, new_link

PURPOSE = "operator"


@dataclass(frozen=True)
class OperatorLink:
    login: str
    url: str
    expires_at: datetime


def issue_operator_link(uow: SsoWork, clock: Clock, url: Callable[[str], str],
                        login: str, issued_by: str, os_user: str, host: str,
                        wait_seconds: float, poll_seconds: float = 0.5) -> OperatorLink:
    """Raises ``NotFound`` ``account-not-replicated`` when the account has not arrived
    within ``wait_seconds``, ``Conflict`` ``not-an-operator`` or ``password-already-set``."""
    name = normalised_login(login)
    if name is None:
        raise Invalid("invalid-login", "That is no login name")
    account = _wait_for_operator(uow, name, time.monotonic() + wait_seconds, poll_seconds)
    with uow:
        if uow.credentials.password_hash(account.account_id) is not None:
            raise Conflict("password-already-set", "The account has a password already",
                           f"{name} has set a password: if it is forgotten, use \"forgot "
                           f"password\" on the sign-in page")
        # One open link per operator: asking again (the first one lost) withdraws it.
        uow.password_links.withdraw_open(account.account_id, PURPOSE)
        token = new_link(uow, clock, account, PURPOSE, f"operator-link:{issued_by}")
        now = clock.now()
        expires_at = now + timedelta(seconds=LINK_SECONDS[PURPOSE])
        uow.password_links.add_operator_link(account.account_id, account.login,
                                             issued_by[:128], os_user[:64], host[:255], now,
                                             expires_at)
    return OperatorLink(account.login, link_url(url, token), expires_at)


def _wait_for_operator(uow: SsoWork, name: str, deadline: float,
                       poll_seconds: float) -> Account:
    while True:
        with uow:
            account = uow.accounts.by_login(name)
        if account is not None and account.enabled and "operator" in account.roles():
            return account
        if time.monotonic() >= deadline:
            break
        time.sleep(poll_seconds)
    if account is None:
        raise NotFound(f"no account {name} here yet. It was made in the accounts service? Its "
                       f"events travel through the accounts relay and this service's consumer: "
                       f"is the platform running (make up)? Once it is, run this again",
                       slug="account-not-replicated",
                       title="The account has not reached the sso service")
    raise Conflict("not-an-operator", "The account is not an enabled operator",
                   f"{name} is {account.status}, with roles {', '.join(account.roles()) or 'none'}"
                   f": links here are for new operators only")
