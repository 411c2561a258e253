"""Who holds a role today, and the audit of the first-operator command."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from servicekit.db import advisory_xact_lock
from services.accounts.adapters.orm import accounts, operator_bootstraps, role_grants
from services.accounts.domain.accounts import ENABLED


@dataclass(frozen=True)
class Bootstrap:
    account_id: uuid.UUID | None  # None when refused
    login: str
    run_by: str
    os_user: str
    host: str
    another: bool
    outcome: str  # created, refused
    created_at: datetime


class OperatorBootstraps:
    def __init__(self, session: Session) -> None:
        self.session = session

    def hold(self) -> None:
        """One first-operator run at a time, until the transaction ends: two runs at once
        on an empty platform would otherwise both find no operator. (SQLite: one writer
        at a time already.)"""
        advisory_xact_lock(self.session, "accounts.operator_bootstraps")

    def enabled_holders(self, role: str) -> list[str]:
        """Logins of enabled accounts with an active grant of ``role``."""
        return list(self.session.scalars(
            select(accounts.c.login).join(role_grants, role_grants.c.account_id == accounts.c.account_id)
            .where(role_grants.c.role == role, role_grants.c.revoked_at.is_(None),
                   accounts.c.status == ENABLED)
            .distinct().order_by(accounts.c.login)))

    def record(self, entry: Bootstrap) -> None:
        self.session.execute(insert(operator_bootstraps).values(
            **entry.__dict__))

    def all(self) -> list[Bootstrap]:
        rows = self.session.execute(select(
            operator_bootstraps.c.account_id, operator_bootstraps.c.login,
            operator_bootstraps.c.run_by, operator_bootstraps.c.os_user, operator_bootstraps.c.host,
            operator_bootstraps.c.another, operator_bootstraps.c.outcome,
            operator_bootstraps.c.created_at)
            .order_by(operator_bootstraps.c.id))
        return [Bootstrap(*row) for row in rows]
