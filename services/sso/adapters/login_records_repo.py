"""The login records R-ACC-4 keeps (handlers/sign_in_records.py says what a record holds)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from services.sso.adapters.tables.sign_ins import login_records


class LoginRecordRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, at: datetime, login: str, account_id: str | None, method: str, outcome: str,
            county_code: str | None, client_address: str | None,
            user_agent: str | None) -> None:
        self.session.execute(insert(login_records).values(
            at=at, login=login, account_id=account_id, method=method, outcome=outcome,
            county_code=county_code, client_address=client_address, user_agent=user_agent))
