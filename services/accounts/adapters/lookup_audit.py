"""The audit of lookups by national ID and the accounts' daily quota of IDs looked up.

The quota is one row per account: the day it counts and how many IDs that day. Taking
from it is one conditional UPDATE — a new day starts from zero, and nothing is taken
unless the whole lookup fits — so concurrent lookups of one account never go beyond it
(the row is locked by the first until its transaction ends)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, insert, update
from sqlalchemy.orm import Session

from servicekit.db import insert_for
from servicekit.dml import rows_changed
from services.accounts.adapters.orm import national_id_lookup_quotas as quotas
from services.accounts.adapters.orm import national_id_lookups

ANSWERED, OVER_QUOTA = "answered", "over-quota"


@dataclass(frozen=True)
class LookupRecord:
    looked_up_by: str
    looked_up_at: datetime
    roles: str
    authority_code: str | None
    unit_code: str | None
    scope: str
    ids_count: int
    found_count: int
    answered_in_full: int
    outcome: str


class LookupAudit:
    def __init__(self, session: Session) -> None:
        self.session = session

    def take(self, account: str, day: date, count: int, per_day: int) -> bool:
        """Counts ``count`` IDs against ``account``'s quota for ``day``; False (and
        nothing counted) when they do not all fit."""
        dialect = self.session.get_bind().dialect.name
        self.session.execute(insert_for(dialect, quotas)
                             .values(account=account, day=day, used=0)
                             .on_conflict_do_nothing(index_elements=["account"]))
        used_today = case((quotas.c.day == day, quotas.c.used), else_=0)
        taken = self.session.execute(
            update(quotas).where(quotas.c.account == account, used_today + count <= per_day)
            .values(day=day, used=used_today + count))
        return rows_changed(taken) == 1

    def record(self, entry: LookupRecord) -> None:
        self.session.execute(insert(national_id_lookups).values(
            **entry.__dict__))
