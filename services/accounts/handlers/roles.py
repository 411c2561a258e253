"""Role grants and revocations, and staff accounts (reviewers, operators, viewers, admins).
Each grant is an event the sso service turns into token claims (``roles``, and ``unit`` or
``authority`` for the scoped ones)."""
from __future__ import annotations

import uuid

from contracts.events.accounts import ACCOUNT_CREATED, ROLE_GRANTED, ROLE_REVOKED
from servicekit.clock import Clock
from servicekit.errors import Conflict, Forbidden, Invalid, NotFound
from servicekit.tokens import Principal
from services.accounts.adapters.unit_of_work import AccountsUnitOfWork
from services.accounts.domain.accounts import (
    ENABLED,
    STAFF,
    TEACHER,
    Account,
    InvalidAccount,
    check_chosen_login,
    check_display_name,
)
from services.accounts.domain.dates import today
from services.accounts.domain.roles import (
    InvalidGrant,
    NotAllowedToGrant,
    RoleGrant,
    check_granter,
    check_scope,
    revoke,
)
from services.accounts.handlers.events import (
    account_data,
    grant_data,
)
from services.accounts.handlers.scope import no_such

STAFF_ROLES = ("reviewer", "operator", "viewer", "admin")


def _check(uow: AccountsUnitOfWork, clock: Clock, principal: Principal, role: str,
           unit_code: str | None, authority_code: str | None) -> None:
    try:
        check_scope(role, unit_code, authority_code)
        check_granter(principal.roles, role)
    except InvalidGrant as error:
        raise Invalid("invalid-grant", "The grant is not valid", str(error)) from None
    except NotAllowedToGrant as error:
        raise Forbidden(str(error)) from None
    if unit_code and uow.units.get(unit_code, today(clock)) is None:
        raise Invalid("unknown-unit", "No such unit", f"unit {unit_code}")
    if authority_code and uow.authorities.get(authority_code) is None:
        raise Invalid("unknown-authority", "No such authority", f"authority {authority_code}")


def _grant(uow: AccountsUnitOfWork, clock: Clock, principal: Principal, account: Account,
           role: str, unit_code: str | None, authority_code: str | None) -> RoleGrant:
    if any(g.active and (g.role, g.unit_code, g.authority_code) == (role, unit_code, authority_code)
           for g in uow.grants.for_account(account.account_id)):
        raise Conflict("role-already-granted", "The role is granted already",
                       f"{account.login} has {role} with this scope")
    grant = RoleGrant(uuid.uuid4(), account.account_id, role, unit_code, authority_code,
                      clock.now(), principal.subject)
    uow.grants.add(grant)
    uow.record(ROLE_GRANTED, grant_data(grant))
    return grant


def grant_role(uow: AccountsUnitOfWork, clock: Clock, principal: Principal,
               account_id: uuid.UUID, role: str, unit_code: str | None = None,
               authority_code: str | None = None) -> RoleGrant:
    with uow:
        account = uow.accounts.get(account_id, for_update=True)
        if account is None:
            raise no_such(f"account {account_id}")
        _check(uow, clock, principal, role, unit_code, authority_code)
        if account.kind == TEACHER and role != "viewer":
            raise Invalid("invalid-grant", "The grant is not valid",
                          "a teacher account takes no staff or business role")
        return _grant(uow, clock, principal, account, role, unit_code, authority_code)


def revoke_role(uow: AccountsUnitOfWork, clock: Clock, principal: Principal,
                account_id: uuid.UUID, grant_id: uuid.UUID) -> RoleGrant:
    with uow:
        grant = next((g for g in uow.grants.for_account(account_id) if g.grant_id == grant_id),
                     None)
        if grant is None:
            raise no_such(f"grant {grant_id}")
        try:
            check_granter(principal.roles, grant.role)
            revoked = revoke(grant, principal.subject, clock.now())
        except NotAllowedToGrant as error:
            raise Forbidden(str(error)) from None
        except InvalidGrant as error:
            raise Conflict("grant-revoked", "The grant is revoked already", str(error)) from None
        uow.grants.save_revocation(revoked)
        uow.record(ROLE_REVOKED, grant_data(revoked))
    return revoked


def list_grants(uow: AccountsUnitOfWork, account_id: uuid.UUID) -> list[RoleGrant]:
    with uow:
        if uow.accounts.get(account_id) is None:
            raise no_such(f"account {account_id}")
        return uow.grants.for_account(account_id)


def create_staff(uow: AccountsUnitOfWork, clock: Clock, principal: Principal, login: str,
                 display_name: str, email: str | None, role: str,
                 authority_code: str | None = None) -> Account:
    """An enabled staff account with its one role (more can be granted later)."""
    if role not in STAFF_ROLES:
        raise Invalid("invalid-grant", "The grant is not valid",
                      f"a staff account is one of {', '.join(STAFF_ROLES)}")
    try:
        login, name = check_chosen_login(login), check_display_name(display_name)
    except InvalidAccount as error:
        raise Invalid("invalid-account", "The account is not valid", str(error)) from None
    with uow:
        return add_staff(uow, clock, principal, login, name, email, role, authority_code)


def add_staff(uow: AccountsUnitOfWork, clock: Clock, principal: Principal, login: str,
              name: str, email: str | None, role: str, authority_code: str | None) -> Account:
    """``create_staff`` inside the caller's open unit of work (``login`` and ``name``
    checked)."""
    _check(uow, clock, principal, role, None, authority_code)
    if uow.accounts.by_login(login) is not None:
        raise Conflict("login-taken", "The login is taken", f"login {login}")
    now = clock.now()
    account = Account(uuid.uuid4(), login, STAFF, ENABLED, name, email,
                      authority_code=authority_code, approved_at=now,
                      approved_by=principal.subject)
    uow.accounts.add(account, now)
    uow.record(ACCOUNT_CREATED, account_data(account))
    _grant(uow, clock, principal, account, role, None, authority_code)
    return account


def find_account(uow: AccountsUnitOfWork, principal: Principal) -> Account:
    """The caller's own account: the token's subject is its account id (or login)."""
    with uow:
        account = None
        try:
            account = uow.accounts.get(uuid.UUID(principal.subject))
        except ValueError:
            account = uow.accounts.by_login(principal.subject)
    if account is None:
        raise NotFound("the token's subject names no account here", slug="unknown-account",
                       title="No account for this token")
    return account
