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
from typing import Any

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.orm import Session

from servicekit.batches import BatchRewrite
from servicekit.dml import rows_changed
from services.sso.adapters.digests import keyed_digest
from services.sso.adapters.tables.accounts import accounts
from services.sso.adapters.tables.sign_ins import login_records
from services.sso.dependencies import SsoDependencies
from services.sso.domain.accounts import Account
from services.sso.domain.logins import folded

DIGESTED = "hmac-sha256:"  # no login name has a colon: a digest is told from a name


@dataclass(frozen=True)
class Client:
    """Who is asking, for the records."""
    address: str | None = None
    user_agent: str | None = None


def name_digest(sso: SsoDependencies, typed: str, county_code: str | None = None) -> str:
    """The digest that stands for a typed name (a platform login name, or a user name of
    ``county_code``'s own system). Spellings that normalise alike digest alike."""
    purpose = f"county-user-name\x00{county_code}" if county_code else "login-name"
    return keyed_digest(sso.config.pairwise_secret, purpose, folded(typed))


def recorded_name(sso: SsoDependencies, account: Account | None, typed: str,
                  county_code: str | None = None) -> str:
    """What a login record keeps as the name: the account's own login name when the name
    was an account's, else the digest of what was typed."""
    if account is not None:
        return account.login
    return DIGESTED + name_digest(sso, typed, county_code)


def record_login(session: Session, sso: SsoDependencies, account: Account | None, typed: str, method: str,
                 outcome: str, who: Client, county_code: str | None = None) -> None:
    """``typed`` is only digested, never stored (see ``recorded_name``)."""
    session.execute(insert(login_records).values(
        at=sso.clock.now(), login=recorded_name(sso, account, typed, county_code),
        account_id=account.account_id if account else None, method=method, outcome=outcome,
        county_code=county_code, client_address=(who.address or "")[:64] or None,
        user_agent=(who.user_agent or "")[:200] or None))


# -- records from before names were digested ---------------------------------------------
DEFAULT_BATCH = 1000


def digest_clear_names(sso: SsoDependencies, batch_size: int = DEFAULT_BATCH) -> dict[str, int]:
    """Once, after upgrading: every record that still holds a name as typed for no known
    account gets its digest instead, batch by batch (a run that stops is continued by the
    next). Records of known accounts got the account's login name in the migration."""
    r = login_records.c
    clear = ~r.login.like(DIGESTED + "%") & ~exists().where(
        accounts.c.account_id == r.account_id)

    def page(session: Session, after: Any, limit: int) -> list[Any]:
        query = select(r.id, r.login, r.method, r.county_code).where(clear)
        if after is not None:
            query = query.where(r.id > after)
        return list(session.execute(query.order_by(r.id).limit(limit)).all())

    def rewrite(session: Session, row: Any) -> bool:
        typed, county_code = row.login, None
        # County attempts were recorded as "<county>:<user name>".
        if row.method == "county_service" and row.county_code and \
                typed.startswith(row.county_code + ":"):
            typed, county_code = typed[len(row.county_code) + 1:], row.county_code
        return rows_changed(session.execute(update(login_records).where(
            r.id == row.id, r.login == row.login).values(
            login=recorded_name(sso, None, typed, county_code)))) == 1

    run = BatchRewrite(page, lambda row: row.id, rewrite).run(sso.database, batch_size)
    with sso.database.session() as session:
        remaining = session.scalar(select(func.count()).select_from(login_records)
                                   .where(clear)) or 0
    return {"digested": run.rewritten, "changed_meanwhile": run.changed_meanwhile,
            "remaining": remaining}
