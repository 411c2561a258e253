"""Business accounts (R-ACC-2): staff of a unit apply; the unit's authority approves and
enables (the network's operators for national units); either disables. Several per unit:
biz-<unit code>, biz-<unit code>-2 …. A dormant-accounts report lists those nobody has
signed in with for N days (setting ``DORMANT_DAYS``, 180 by default)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from contracts.events.accounts import ACCOUNT_CREATED, ACCOUNT_UPDATED, ROLE_GRANTED
from contracts.vocabulary import NETWORK
from servicekit.clock import Clock
from servicekit.errors import Conflict, Invalid
from servicekit.settings import Settings
from servicekit.tokens import Principal
from services.accounts.adapters.unit_of_work import AccountsUnitOfWork
from services.accounts.domain.accounts import (
    BUSINESS,
    PENDING,
    Account,
    InvalidAccount,
    InvalidTransition,
    approve,
    business_login,
    check_display_name,
    disable,
    is_dormant,
)
from services.accounts.domain.dates import today
from services.accounts.domain.roles import RoleGrant
from services.accounts.handlers.events import (
    account_data,
    grant_data,
)
from services.accounts.handlers.scope import is_national, no_such, reviews_for

MAX_PENDING_PER_UNIT = 5
DEFAULT_DORMANT_DAYS = 180


def apply(uow: AccountsUnitOfWork, clock: Clock, unit_code: str, display_name: str,
          email: str | None) -> Account:
    """Open to anyone (the school's staff has no account yet); nothing can sign in until
    the authority approves, and a unit has at most a few applications waiting."""
    try:
        name = check_display_name(display_name)
    except InvalidAccount as error:
        raise Invalid("invalid-account", "The account is not valid", str(error)) from None
    with uow:
        unit = uow.units.get(unit_code, today(clock), for_update=True)
        if unit is None:
            raise Invalid("unknown-unit", "No such unit", f"unit {unit_code}")
        accounts = uow.accounts
        if accounts.pending_count(unit.code) >= MAX_PENDING_PER_UNIT:
            raise Conflict("too-many-applications", "Too many applications are waiting",
                           f"unit {unit.code} has {MAX_PENDING_PER_UNIT} applications waiting")
        prefix = f"biz-{unit.code.lower()}"
        account = Account(account_id=uuid.uuid4(), kind=BUSINESS, status=PENDING,
                          login=business_login(unit.code, accounts.logins_starting(prefix)),
                          display_name=name, email=email, unit_code=unit.code,
                          county_code=unit.county_code)
        accounts.add(account, clock.now())
        uow.record(ACCOUNT_CREATED, account_data(account))
    return account


def _approver_may_act(principal: Principal, authority_code: str | None) -> bool:
    """The unit's authority; for national units (the network's own) its operators."""
    if authority_code == NETWORK:
        return principal.has_any_role("operator")
    return reviews_for(principal, authority_code)


def _load_in_scope(uow: AccountsUnitOfWork, clock: Clock, principal: Principal,
                   account_id: uuid.UUID) -> Account:
    account = uow.accounts.get(account_id, for_update=True)
    if account is None or account.kind != BUSINESS:
        raise no_such(f"business account {account_id}")
    unit = uow.units.get(account.unit_code or "", today(clock))
    if unit is None or not _approver_may_act(principal, unit.authority_code):
        raise no_such(f"business account {account_id}")
    return account


def approve_account(uow: AccountsUnitOfWork, clock: Clock, principal: Principal,
                    account_id: uuid.UUID) -> Account:
    """Enabled, and the business role for its unit granted: the sso service issues tokens
    with ``unit`` from that grant."""
    with uow:
        account = _load_in_scope(uow, clock, principal, account_id)
        now = clock.now()
        try:
            enabled = approve(account, principal.subject, now)
        except InvalidTransition as error:
            raise Conflict("invalid-transition", "Not possible in this state",
                           str(error)) from None
        uow.accounts.update(enabled, now)
        uow.record(ACCOUNT_UPDATED, account_data(enabled))
        if not any(g.active and g.role == BUSINESS and g.unit_code == account.unit_code
                   for g in uow.grants.for_account(account.account_id)):
            grant = RoleGrant(uuid.uuid4(), account.account_id, BUSINESS, account.unit_code, None,
                              now, principal.subject)
            uow.grants.add(grant)
            uow.record(ROLE_GRANTED, grant_data(grant))
    return enabled


def disable_account(uow: AccountsUnitOfWork, clock: Clock, principal: Principal,
                    account_id: uuid.UUID) -> Account:
    with uow:
        account = _load_in_scope(uow, clock, principal, account_id)
        try:
            disabled = disable(account)
        except InvalidTransition as error:
            raise Conflict("invalid-transition", "Not possible in this state",
                           str(error)) from None
        uow.accounts.update(disabled, clock.now())
        uow.record(ACCOUNT_UPDATED, account_data(disabled))
    return disabled


def _in_scope(uow: AccountsUnitOfWork, clock: Clock, principal: Principal,
              unit_code: str | None, status: str | None) -> list[Account]:
    """Business accounts the caller may see: all (national roles), those of the units
    under the reviewer's authority today, or those of the business account's own unit."""
    accounts = uow.accounts
    units = [unit_code] if unit_code else None
    if is_national(principal):
        return accounts.business(units, status)
    if principal.has_any_role("reviewer"):
        if principal.authority is None:
            return []  # a reviewer's token without its authority sees nothing
        return accounts.business(units, status, principal.authority, today(clock))
    own = principal.unit if principal.has_any_role("business") else None
    if own is None or unit_code not in (None, own):
        return []
    return accounts.business([own], status)


def list_accounts(uow: AccountsUnitOfWork, clock: Clock, principal: Principal,
                  unit_code: str | None = None, status: str | None = None) -> list[Account]:
    with uow:
        return _in_scope(uow, clock, principal, unit_code, status)


def dormant_days(settings: Settings) -> int:
    return settings.positive_int("DORMANT_DAYS", DEFAULT_DORMANT_DAYS)


def dormant_report(uow: AccountsUnitOfWork, clock: Clock, principal: Principal,
                   days: int) -> dict:
    """``days``: without a sign-in for so long (the setting ``dormant_days`` by default)."""
    now = clock.now()
    cutoff = now - timedelta(days=days)
    with uow:
        candidates = _in_scope(uow, clock, principal, None, "enabled")
    dormant = [a for a in candidates if is_dormant(a, cutoff)]
    return {"days": days, "cutoff": cutoff, "generated_at": now, "accounts": [
        {"account_id": a.account_id, "login": a.login, "display_name": a.display_name,
         "unit_code": a.unit_code, "last_sign_in_at": a.last_sign_in_at,
         "approved_at": a.approved_at,
         "days_without_sign_in": _days_without_sign_in(a, now)}
        for a in dormant]}


def _days_without_sign_in(account: Account, now: datetime) -> int | None:
    """None only for an account with no date at all, which is never dormant."""
    last = account.last_sign_in_at or account.approved_at or account.created_at
    return None if last is None else (now - last).days
