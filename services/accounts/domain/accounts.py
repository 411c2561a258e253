"""Accounts (R-ACC-1, R-ACC-2): who may sign in, as what. Credentials are the sso
service's; here is who the person is and what state the account is in.

Kinds: teacher (one per national ID), business (staff of one unit, several per unit),
staff (reviewers, operators, viewers, admins). Statuses: pending (a business account
applied for), enabled, disabled."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime

TEACHER, BUSINESS, STAFF = "teacher", "business", "staff"
PENDING, ENABLED, DISABLED = "pending", "enabled", "disabled"

LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
# Logins the platform hands out itself; nobody may choose one of these shapes.
GENERATED_LOGIN = re.compile(r"^(teacher\d{5,}|biz-.+)$")
MAX_DISPLAY_NAME = 100


class InvalidAccount(ValueError):
    pass


class InvalidTransition(ValueError):
    pass


@dataclass(frozen=True)
class Account:
    account_id: uuid.UUID
    login: str
    kind: str
    status: str
    display_name: str
    email: str | None = None
    unit_code: str | None = None  # business: its unit; teacher: the current school
    authority_code: str | None = None  # staff acting for an authority (reviewers)
    county_code: str | None = None  # the unit's county, carried for other services
    school_since: date | None = None
    version: int = 1
    created_at: datetime | None = None
    approved_at: datetime | None = None
    approved_by: str | None = None
    last_sign_in_at: datetime | None = None


def check_display_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidAccount("a name is required")
    name = " ".join(name.split())
    if len(name) > MAX_DISPLAY_NAME:
        raise InvalidAccount(f"a name has at most {MAX_DISPLAY_NAME} characters")
    return name


def check_chosen_login(login: str) -> str:
    login = login.strip().lower()
    if not LOGIN.match(login):
        raise InvalidAccount("a login is 3–64 lower-case letters, digits, '.', '_' or '-'")
    if GENERATED_LOGIN.match(login):
        raise InvalidAccount("logins of the form teacherNNNNN and biz-… are given out by the platform")
    return login


def teacher_login(number: int) -> str:
    return f"teacher{number:05d}"


def business_login(unit_code: str, taken: set[str]) -> str:
    """biz-<unit code>, then biz-<unit code>-2, -3 … for the unit's further accounts."""
    base = f"biz-{unit_code.lower()}"
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def approve(account: Account, by: str, at: datetime) -> Account:
    if account.kind != BUSINESS:
        raise InvalidTransition("only business accounts are approved")
    if account.status == ENABLED:
        raise InvalidTransition("the account is already enabled")
    return replace(account, status=ENABLED, approved_at=at, approved_by=by,
                   version=account.version + 1)


def disable(account: Account) -> Account:
    if account.status == DISABLED:
        raise InvalidTransition("the account is already disabled")
    return replace(account, status=DISABLED, version=account.version + 1)


def reenable_teacher(account: Account) -> Account:
    """A disabled teacher back (a business account is approved again instead)."""
    if account.kind != TEACHER:
        raise InvalidTransition("only teacher accounts are enabled this way")
    if account.status != DISABLED:
        raise InvalidTransition("the account is not disabled")
    return replace(account, status=ENABLED, version=account.version + 1)


def is_dormant(account: Account, cutoff: datetime) -> bool:
    """Enabled, and no sign-in since ``cutoff``; one never used counts from its approval."""
    if account.status != ENABLED:
        return False
    last = account.last_sign_in_at or account.approved_at or account.created_at
    return last is not None and last < cutoff
