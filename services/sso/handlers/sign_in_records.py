"""The login records R-ACC-4 keeps, and the keyed digests that stand for typed names.

A record names a known account by its login (the account's user name, never an ID) and
its account id. What was typed for no account — a mistyped name, a national ID typed into
the login field, a county user name (some counties use the national ID as user name) — is
kept only as a keyed digest: anyone who knows a name and the key can tell whether it was
tried (an investigation asks exactly that), nobody with the table alone can read it. The
lockout counters are keyed by the same kind of digest, for the same reason.

The key is ``PAIRWISE_KEY``: it already derives every value that stands for a person's
identifier (pairwise subjects, county subject digests) and must never change, which keeps
a name's digest the same across the whole retention period.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from servicekit.batches import BatchRewrite
from servicekit.db import Database
from services.sso.adapters.login_records_repo import ClearName, LoginRecordRepository
from services.sso.adapters.name_digests import NameDigests
from services.sso.domain.accounts import Account

DIGESTED = "hmac-sha256:"  # no login name has a colon: a digest is told from a name


@dataclass(frozen=True)
class Client:
    """Who is asking, for the records."""
    address: str | None = None
    user_agent: str | None = None


def recorded_name(names: NameDigests, account: Account | None, typed: str,
                  county_code: str | None = None) -> str:
    """What a login record keeps as the name: the account's own login name when the name
    was an account's, else the digest of what was typed."""
    if account is not None:
        return account.login
    return DIGESTED + names.typed_name(typed, county_code)


def record_login(records: LoginRecordRepository, names: NameDigests, at: datetime,
                 account: Account | None, typed: str, method: str, outcome: str, who: Client,
                 county_code: str | None = None) -> None:
    """``typed`` is only digested, never stored (see ``recorded_name``)."""
    records.add(at, recorded_name(names, account, typed, county_code),
                account.account_id if account else None, method, outcome, county_code,
                (who.address or "")[:64] or None, (who.user_agent or "")[:200] or None)


# -- records from before names were digested ---------------------------------------------
DEFAULT_BATCH = 1000


def digest_clear_names(database: Database, names: NameDigests,
                       batch_size: int = DEFAULT_BATCH) -> dict[str, int]:
    """Once, after upgrading: every record that still holds a name as typed for no known
    account gets its digest instead, batch by batch (a run that stops is continued by the
    next). Records of known accounts got the account's login name in the migration."""
    def rewrite(records: LoginRecordRepository, row: ClearName) -> bool:
        typed, county_code = row.login, None
        # County attempts were recorded as "<county>:<user name>".
        if row.method == "county_service" and row.county_code and \
                typed.startswith(row.county_code + ":"):
            typed, county_code = typed[len(row.county_code) + 1:], row.county_code
        return records.rename(row, recorded_name(names, None, typed, county_code))

    run = BatchRewrite(
        lambda session, after, limit: LoginRecordRepository(session).clear_names(
            DIGESTED, after, limit),
        lambda row: row.record_id,
        lambda session, row: rewrite(LoginRecordRepository(session), row)).run(database, batch_size)
    with database.session() as session:
        remaining = LoginRecordRepository(session).count_clear_names(DIGESTED)
    return {"digested": run.rewritten, "changed_meanwhile": run.changed_meanwhile,
            "remaining": remaining}
