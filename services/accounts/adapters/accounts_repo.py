"""Repositories of accounts, teachers' past schools, role grants and the export audit."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from services.accounts.adapters.national_id_vault import Sealed
from services.accounts.adapters.orm import (
    accounts,
    login_sequences,
    national_id_exports,
    role_grants,
    teacher_past_schools,
    unit_jurisdictions,
    units,
)
from services.accounts.domain.accounts import BUSINESS, TEACHER, Account
from services.accounts.domain.roles import RoleGrant
from services.accounts.domain.teachers import KnownTeacher

_COLUMNS = (accounts.c.account_id, accounts.c.login, accounts.c.kind, accounts.c.status,
            accounts.c.display_name, accounts.c.email, accounts.c.unit_code,
            accounts.c.authority_code, units.c.county_code, accounts.c.school_since,
            accounts.c.version, accounts.c.created_at, accounts.c.approved_at,
            accounts.c.approved_by, accounts.c.last_sign_in_at)
_FROM = accounts.outerjoin(units, units.c.code == accounts.c.unit_code)


def _account(row) -> Account:  # type: ignore[no-untyped-def]  # a Row of any width
    return Account(*row)


class AccountRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, account_id: uuid.UUID, for_update: bool = False) -> Account | None:
        query = select(*_COLUMNS).select_from(_FROM).where(accounts.c.account_id == account_id)
        if for_update:
            query = query.with_for_update(of=accounts)
        row = self.session.execute(query).first()
        return _account(row) if row else None

    def page(self, after: uuid.UUID | None, limit: int) -> list[Account]:
        """Every account, by id after ``after`` (keyset: each page costs the same)."""
        query = select(*_COLUMNS).select_from(_FROM).order_by(accounts.c.account_id).limit(limit)
        if after is not None:
            query = query.where(accounts.c.account_id > after)
        return [_account(row) for row in self.session.execute(query)]

    def by_login(self, login: str) -> Account | None:
        row = self.session.execute(select(*_COLUMNS).select_from(_FROM)
                                   .where(accounts.c.login == login)).first()
        return _account(row) if row else None

    def logins_starting(self, prefix: str) -> set[str]:
        return set(self.session.scalars(select(accounts.c.login)
                                        .where(accounts.c.login.startswith(prefix))))

    def add(self, account: Account, at: datetime, lookup_hash: bytes | None = None,
            sealed: Sealed | None = None) -> None:
        self.session.execute(insert(accounts).values(
            account_id=account.account_id, login=account.login, kind=account.kind,
            status=account.status, display_name=account.display_name, email=account.email,
            unit_code=account.unit_code, authority_code=account.authority_code,
            school_since=account.school_since, version=account.version,
            national_id_hash=lookup_hash,
            national_id_ciphertext=sealed.ciphertext if sealed else None,
            national_id_key_id=sealed.key_id if sealed else None,
            created_at=at, updated_at=at, approved_at=account.approved_at,
            approved_by=account.approved_by))

    def update(self, account: Account, at: datetime) -> None:
        self.session.execute(update(accounts).where(accounts.c.account_id == account.account_id)
                             .values(status=account.status, display_name=account.display_name,
                                     email=account.email, unit_code=account.unit_code,
                                     authority_code=account.authority_code,
                                     school_since=account.school_since, version=account.version,
                                     approved_at=account.approved_at,
                                     approved_by=account.approved_by, updated_at=at))

    def business(self, unit_codes: Iterable[str] | None, status: str | None,
                 authority_code: str | None = None, day: date | None = None) -> list[Account]:
        """Of some units (None: all), or of the units under ``authority_code`` on ``day``."""
        query = select(*_COLUMNS).select_from(_FROM).where(accounts.c.kind == BUSINESS)
        if unit_codes is not None:
            query = query.where(accounts.c.unit_code.in_(list(unit_codes)))
        if authority_code is not None:
            assert day is not None
            query = query.where(accounts.c.unit_code.in_(
                select(unit_jurisdictions.c.unit_code).where(
                    unit_jurisdictions.c.authority_code == authority_code,
                    unit_jurisdictions.c.valid_from <= day,
                    or_(unit_jurisdictions.c.valid_until.is_(None),
                        unit_jurisdictions.c.valid_until > day))))
        if status:
            query = query.where(accounts.c.status == status)
        return [_account(row) for row in self.session.execute(query.order_by(accounts.c.login))]

    def pending_count(self, unit_code: str) -> int:
        return self.session.scalar(select(func.count()).select_from(accounts).where(
            accounts.c.kind == BUSINESS, accounts.c.unit_code == unit_code,
            accounts.c.status == "pending")) or 0

    def record_sign_in(self, account_id: uuid.UUID, at: datetime) -> bool:
        """Keeps the latest; sign-ins may arrive out of order. False for an unknown account."""
        current = self.session.execute(select(accounts.c.last_sign_in_at)
                                       .where(accounts.c.account_id == account_id)).first()
        if current is None:
            return False
        last = current[0]
        if last is None or at > last:
            self.session.execute(update(accounts).where(accounts.c.account_id == account_id)
                                 .values(last_sign_in_at=at))
        return True

    # -- teachers --------------------------------------------------------------------
    def teachers_at(self, unit_code: str, limit: int, offset: int) -> list[Account]:
        """A school's current teachers by login (the index ix_accounts_teacher_unit)."""
        rows = self.session.execute(
            select(*_COLUMNS).select_from(_FROM)
            .where(accounts.c.kind == TEACHER, accounts.c.unit_code == unit_code)
            .order_by(accounts.c.login).limit(limit).offset(offset))
        return [_account(row) for row in rows]

    def teachers_by_hash(self, hashes: list[bytes]) -> dict[bytes, KnownTeacher]:
        found: dict[bytes, KnownTeacher] = {}
        for start in range(0, len(hashes), 500):
            query = select(accounts.c.national_id_hash, accounts.c.account_id, accounts.c.login,
                           accounts.c.status, accounts.c.display_name, accounts.c.email, accounts.c.unit_code,
                           accounts.c.school_since, accounts.c.version) \
                .where(accounts.c.national_id_hash.in_(hashes[start:start + 500]))
            for row in self.session.execute(query):
                found[row[0]] = KnownTeacher(str(row[1]), *row[2:])
        return found

    def sealed_national_id(self, account_id: uuid.UUID) -> Sealed | None:
        row = self.session.execute(select(accounts.c.national_id_key_id,
                                          accounts.c.national_id_ciphertext)
                                   .where(accounts.c.account_id == account_id)).first()
        return Sealed(row[0], row[1]) if row and row[1] is not None else None

    def past_schools(self, account_id: uuid.UUID) -> list[tuple[str, date | None, date]]:
        return [tuple(row) for row in self.session.execute(
            select(teacher_past_schools.c.unit_code, teacher_past_schools.c.since,
                   teacher_past_schools.c.until)
            .where(teacher_past_schools.c.account_id == account_id)
            .order_by(teacher_past_schools.c.until))]

    def add_past_school(self, account_id: uuid.UUID, unit_code: str, since: date | None,
                        until: date) -> None:
        self.session.execute(insert(teacher_past_schools).values(
            account_id=account_id, unit_code=unit_code, since=since, until=until))

    def reserve_numbers(self, name: str, count: int) -> int:
        """The first of ``count`` consecutive numbers nobody else gets."""
        first = self.session.execute(
            update(login_sequences).where(login_sequences.c.name == name)
            .values(next_value=login_sequences.c.next_value + count)
            .returning(login_sequences.c.next_value)).scalar_one() - count
        return first


class RoleGrantRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_account(self, account_id: uuid.UUID) -> list[RoleGrant]:
        rows = self.session.execute(select(
            role_grants.c.grant_id, role_grants.c.account_id, role_grants.c.role,
            role_grants.c.unit_code, role_grants.c.authority_code, role_grants.c.granted_at,
            role_grants.c.granted_by, role_grants.c.revoked_at, role_grants.c.revoked_by,
            role_grants.c.version).where(role_grants.c.account_id == account_id)
            .order_by(role_grants.c.granted_at))
        # By column name: the grant's fields are not tied to the order of the SELECT.
        return [RoleGrant(**row._mapping) for row in rows]

    def add(self, grant: RoleGrant) -> None:
        self.session.execute(insert(role_grants).values(
            grant_id=grant.grant_id, account_id=grant.account_id, role=grant.role,
            unit_code=grant.unit_code, authority_code=grant.authority_code,
            granted_at=grant.granted_at, granted_by=grant.granted_by, version=grant.version))

    def save_revocation(self, grant: RoleGrant) -> None:
        self.session.execute(update(role_grants).where(role_grants.c.grant_id == grant.grant_id)
                             .values(revoked_at=grant.revoked_at, revoked_by=grant.revoked_by,
                                     version=grant.version))


class ExportAudit:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, export_id: uuid.UUID, account_ids: list[uuid.UUID], by: str, at: datetime,
               reason: str) -> None:
        self.session.execute(insert(national_id_exports), [
            {"export_id": export_id, "account_id": account_id, "exported_by": by,
             "exported_at": at, "reason": reason} for account_id in account_ids])

    def list(self, limit: int, offset: int) -> list[dict]:
        rows = self.session.execute(select(
            national_id_exports.c.export_id, national_id_exports.c.account_id,
            national_id_exports.c.exported_by, national_id_exports.c.exported_at,
            national_id_exports.c.reason)
            .order_by(national_id_exports.c.id.desc()).limit(limit).offset(offset))
        return [dict(row._mapping) for row in rows]
