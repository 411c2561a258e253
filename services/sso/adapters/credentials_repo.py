"""Passwords (argon2 hashes, R-SSO-7) and the records R-ACC-4 keeps of their changes; the
one-time links to set one (only their digest is kept), the queue of "forgot password"
mails, and the audit of links printed for a new operator."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from services.sso.adapters.tables.credentials import (
    credentials,
    operator_links,
    password_changes,
    password_mails,
    password_setups,
)


class CredentialRepository:
    def __init__(self, session: Session, is_postgres: bool) -> None:
        self.session = session
        self._dialect = postgresql if is_postgres else sqlite

    def password_hash(self, account_id: str) -> str | None:
        return self.session.scalar(select(credentials.c.password_hash).where(
            credentials.c.account_id == account_id))

    def store(self, hashes: dict[str, str], at: datetime, method: str | None,
              client_address: str | None = None) -> None:
        """Sets each account's hash; ``method`` None: the same password hashed again (not a
        change to record)."""
        if not hashes:
            return
        statement = self._dialect.insert(credentials)
        self.session.execute(statement.on_conflict_do_update(
            index_elements=["account_id"],
            set_={"password_hash": statement.excluded.password_hash,
                  "changed_at": statement.excluded.changed_at}),
            [{"account_id": account_id, "password_hash": value, "changed_at": at}
             for account_id, value in hashes.items()])
        if method is not None:
            self.session.execute(insert(password_changes), [
                {"account_id": account_id, "changed_at": at, "method": method,
                 "client_address": client_address} for account_id in hashes])

    def remove_changes_before(self, before: datetime) -> int:
        return rows_changed(self.session.execute(delete(password_changes).where(
            password_changes.c.changed_at < before)))


@dataclass(frozen=True)
class PasswordLink:
    token_hash: str
    account_id: str
    purpose: str  # setup, reset, operator
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class QueuedMail:
    mail_id: int
    account_id: str | None
    purpose: str
    requested_by: str
    attempts: int


class PasswordLinkRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- links ----------------------------------------------------------------------------
    def add(self, token_hash: str, account_id: str, purpose: str, requested_by: str,
            at: datetime, expires_at: datetime) -> None:
        self.session.execute(insert(password_setups).values(
            token_hash=token_hash, account_id=account_id, purpose=purpose,
            requested_by=requested_by, created_at=at, expires_at=expires_at))

    def get(self, token_hash: str) -> PasswordLink | None:
        row = self.session.execute(select(password_setups).where(
            password_setups.c.token_hash == token_hash)).first()
        return PasswordLink(row.token_hash, row.account_id, row.purpose, row.expires_at,
                            row.used_at) if row else None

    def use(self, token_hash: str, at: datetime) -> bool:
        """False when the link was used meanwhile: it works once."""
        return rows_changed(self.session.execute(update(password_setups).where(
            password_setups.c.token_hash == token_hash, password_setups.c.used_at.is_(None))
            .values(used_at=at))) == 1

    def withdraw(self, token_hash: str) -> None:
        self.session.execute(delete(password_setups).where(
            password_setups.c.token_hash == token_hash))

    def withdraw_open(self, account_id: str, purpose: str) -> None:
        self.session.execute(delete(password_setups).where(
            password_setups.c.account_id == account_id, password_setups.c.purpose == purpose,
            password_setups.c.used_at.is_(None)))

    def remove_expired(self, before: datetime) -> int:
        return rows_changed(self.session.execute(delete(password_setups).where(
            password_setups.c.expires_at < before)))

    def add_operator_link(self, account_id: str, login: str, issued_by: str, os_user: str,
                          host: str, at: datetime, expires_at: datetime) -> None:
        self.session.execute(insert(operator_links).values(
            account_id=account_id, login=login, issued_by=issued_by, os_user=os_user,
            host=host, issued_at=at, expires_at=expires_at))

    # -- the queue of mails -----------------------------------------------------------------
    def queue_mail(self, account_id: str | None, purpose: str, requested_by: str,
                   at: datetime) -> int:
        return self.session.execute(insert(password_mails).values(
            account_id=account_id, purpose=purpose, requested_by=requested_by,
            created_at=at, attempts=0).returning(password_mails.c.id)).scalar_one()

    def waiting_mails(self, ids: list[int] | None, tried_before: datetime, max_attempts: int,
                      limit: int) -> list[QueuedMail]:
        """Mails not done and not tried too often: those named, else every one not tried
        since ``tried_before``."""
        m = password_mails.c
        query = select(password_mails).where(m.done_at.is_(None), m.attempts < max_attempts)
        if ids is not None:
            query = query.where(m.id.in_(ids))
        else:
            query = query.where(or_(m.tried_at.is_(None), m.tried_at <= tried_before))
        return [QueuedMail(r.id, r.account_id, r.purpose, r.requested_by, r.attempts)
                for r in self.session.execute(query.order_by(m.id).limit(limit))]

    def claim_mail(self, mail: QueuedMail, at: datetime) -> bool:
        """One conditional UPDATE: of two processes trying the same mail, one gets it."""
        m = password_mails.c
        return rows_changed(self.session.execute(update(password_mails).where(
            m.id == mail.mail_id, m.attempts == mail.attempts, m.done_at.is_(None))
            .values(attempts=mail.attempts + 1, tried_at=at))) == 1

    def close_mail(self, mail_id: int, at: datetime, outcome: str) -> None:
        self.session.execute(update(password_mails).where(password_mails.c.id == mail_id)
                             .values(done_at=at, outcome=outcome, last_error=None))

    def mail_failed(self, mail_id: int, error: str) -> None:
        self.session.execute(update(password_mails).where(password_mails.c.id == mail_id)
                             .values(last_error=error))

    def remove_mails_before(self, before: datetime) -> int:
        return rows_changed(self.session.execute(delete(password_mails).where(
            password_mails.c.created_at < before)))
