"""Role grants and revocations, and staff accounts (reviewers, operators, viewers, admins).
Each grant is an event the sso service turns into token claims (``roles``, and ``unit`` or
``authority`` for the scoped ones)."""
from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from servicekit.problems import Problem, conflict, forbidden
from servicekit.service import Runtime
from servicekit.tokens import Principal
from services.accounts.adapters.accounts_repo import AccountRepository, RoleGrantRepository
from services.accounts.adapters.organisations import AuthorityRepository, UnitRepository
from services.accounts.domain import dates
from services.accounts.domain.accounts import (
    ENABLED,
    STAFF,
    TEACHER,
    Account,
    InvalidAccount,
    check_chosen_login,
    check_display_name,
)
from services.accounts.domain.roles import (
    InvalidGrant,
    NotAllowedToGrant,
    RoleGrant,
    check_granter,
    check_scope,
    revoke,
)
from services.accounts.handlers.events import (
    ACCOUNT_CREATED,
    ROLE_GRANTED,
    ROLE_REVOKED,
    account_data,
    grant_data,
)
from services.accounts.handlers.scope import hidden, invalid

STAFF_ROLES = ("reviewer", "operator", "viewer", "admin")


def _check(session: Session, principal: Principal, role: str, unit_code: str | None,
           authority_code: str | None) -> None:
    try:
        check_scope(role, unit_code, authority_code)
        check_granter(principal.roles, role)
    except InvalidGrant as error:
        raise invalid("invalid-grant", "The grant is not valid", str(error)) from None
    except NotAllowedToGrant as error:
        raise forbidden(str(error)) from None
    if unit_code and UnitRepository(session).get(unit_code, dates.today()) is None:
        raise invalid("unknown-unit", "No such unit", f"unit {unit_code}")
    if authority_code and AuthorityRepository(session).get(authority_code) is None:
        raise invalid("unknown-authority", "No such authority", f"authority {authority_code}")


def _grant(runtime: Runtime, session: Session, principal: Principal, account: Account, role: str,
           unit_code: str | None, authority_code: str | None) -> RoleGrant:
    grants = RoleGrantRepository(session)
    if any(g.active and (g.role, g.unit_code, g.authority_code) == (role, unit_code, authority_code)
           for g in grants.for_account(account.account_id)):
        raise conflict("role-already-granted", "The role is granted already",
                       f"{account.login} has {role} with this scope")
    grant = RoleGrant(uuid.uuid4(), account.account_id, role, unit_code, authority_code,
                      dates.now(), principal.subject)
    grants.add(grant)
    runtime.outbox.record(session, ROLE_GRANTED, grant_data(grant))
    return grant


def grant_role(runtime: Runtime, principal: Principal, account_id: uuid.UUID, role: str,
               unit_code: str | None = None, authority_code: str | None = None) -> RoleGrant:
    with runtime.database.session() as session:
        account = AccountRepository(session).get(account_id, for_update=True)
        if account is None:
            raise hidden(f"account {account_id}")
        _check(session, principal, role, unit_code, authority_code)
        if account.kind == TEACHER and role != "viewer":
            raise invalid("invalid-grant", "The grant is not valid",
                          "a teacher account takes no staff or business role")
        return _grant(runtime, session, principal, account, role, unit_code, authority_code)


def revoke_role(runtime: Runtime, principal: Principal, account_id: uuid.UUID,
                grant_id: uuid.UUID) -> RoleGrant:
    with runtime.database.session() as session:
        grants = RoleGrantRepository(session)
        grant = next((g for g in grants.for_account(account_id) if g.grant_id == grant_id), None)
        if grant is None:
            raise hidden(f"grant {grant_id}")
        try:
            check_granter(principal.roles, grant.role)
            revoked = revoke(grant, principal.subject, dates.now())
        except NotAllowedToGrant as error:
            raise forbidden(str(error)) from None
        except InvalidGrant as error:
            raise conflict("grant-revoked", "The grant is revoked already", str(error)) from None
        grants.save_revocation(revoked)
        runtime.outbox.record(session, ROLE_REVOKED, grant_data(revoked))
    return revoked


def list_grants(runtime: Runtime, account_id: uuid.UUID) -> list[RoleGrant]:
    with runtime.database.session() as session:
        if AccountRepository(session).get(account_id) is None:
            raise hidden(f"account {account_id}")
        return RoleGrantRepository(session).for_account(account_id)


def create_staff(runtime: Runtime, principal: Principal, login: str, display_name: str,
                 email: str | None, role: str, authority_code: str | None = None) -> Account:
    """An enabled staff account with its one role (more can be granted later)."""
    if role not in STAFF_ROLES:
        raise invalid("invalid-grant", "The grant is not valid",
                      f"a staff account is one of {', '.join(STAFF_ROLES)}")
    try:
        login, name = check_chosen_login(login), check_display_name(display_name)
    except InvalidAccount as error:
        raise invalid("invalid-account", "The account is not valid", str(error)) from None
    with runtime.database.session() as session:
        return add_staff(runtime, session, principal, login, name, email, role, authority_code)


def add_staff(runtime: Runtime, session: Session, principal: Principal, login: str,
              name: str, email: str | None, role: str, authority_code: str | None) -> Account:
    """``create_staff`` inside the caller's transaction (``login`` and ``name`` checked)."""
    _check(session, principal, role, None, authority_code)
    accounts = AccountRepository(session)
    if accounts.by_login(login) is not None:
        raise conflict("login-taken", "The login is taken", f"login {login}")
    now = dates.now()
    account = Account(uuid.uuid4(), login, STAFF, ENABLED, name, email,
                      authority_code=authority_code, approved_at=now,
                      approved_by=principal.subject)
    accounts.add(account, now)
    runtime.outbox.record(session, ACCOUNT_CREATED, account_data(account))
    _grant(runtime, session, principal, account, role, None, authority_code)
    return account


def find_account(runtime: Runtime, principal: Principal) -> Account:
    """The caller's own account: the token's subject is its account id (or login)."""
    with runtime.database.session() as session:
        accounts = AccountRepository(session)
        account = None
        try:
            account = accounts.get(uuid.UUID(principal.subject))
        except ValueError:
            account = accounts.by_login(principal.subject)
    if account is None:
        raise Problem(404, "unknown-account", "No account for this token",
                      "the token's subject names no account here")
    return account
