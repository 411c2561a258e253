"""The login records R-ACC-4 keeps (handlers/sign_in_records.py says what a record may
hold), and the once-only rewrite of records from before typed names were digested."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from servicekit.metrics import count_after_commit
from services.sso.adapters.tables.accounts import accounts
from services.sso.adapters.tables.sign_ins import login_records
from services.sso.metrics import SIGN_INS


@dataclass(frozen=True)
class ClearName:
    record_id: int
    login: str
    method: str
    county_code: str | None


class LoginRecordRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, at: datetime, login: str, account_id: str | None, method: str, outcome: str,
            county_code: str | None, client_address: str | None,
            user_agent: str | None) -> None:
        self.session.execute(insert(login_records).values(
            at=at, login=login, account_id=account_id, method=method, outcome=outcome,
            county_code=county_code, client_address=client_address, user_agent=user_agent))
        count_after_commit(self.session, SIGN_INS.labels(method, outcome))

    def remove_before(self, before: datetime) -> int:
        return rows_changed(self.session.execute(delete(login_records).where(
            login_records.c.at < before)))

    # -- records from before names were digested -------------------------------------------
    def clear_names(self, digested_prefix: str, after: int | None,
                    limit: int) -> list[ClearName]:
        """Records of no known account whose name is not a digest yet, by id after
        ``after``."""
        r = login_records.c
        query = select(r.id, r.login, r.method, r.county_code).where(
            self._clear(digested_prefix))
        if after is not None:
            query = query.where(r.id > after)
        return [ClearName(row.id, row.login, row.method, row.county_code)
                for row in self.session.execute(query.order_by(r.id).limit(limit))]

    def rename(self, record: ClearName, login: str) -> bool:
        """False when the record changed since it was read."""
        r = login_records.c
        return rows_changed(self.session.execute(update(login_records).where(
            r.id == record.record_id, r.login == record.login).values(login=login))) == 1

    def count_clear_names(self, digested_prefix: str) -> int:
        return self.session.scalar(select(func.count()).select_from(login_records)
                                   .where(self._clear(digested_prefix))) or 0

    @staticmethod
    def _clear(digested_prefix: str) -> Any:
        r = login_records.c
        return ~r.login.like(digested_prefix + "%") & ~exists().where(
            accounts.c.account_id == r.account_id)
