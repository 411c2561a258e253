"""Linking a county identity to a teacher, once, by an authorised match (R-SSO-4) — never
by e-mail or name:

* the teacher confirms it once with their own platform password, in the same browser
  that brought the county identity (the arrival is bound to that browser by a cookie);
* or a reviewer of that county (or an operator) matches the pending arrival to a teacher
  account of the county, after checking it in the county's own records.

County subjects are kept only as a keyed digest: some county systems use the national ID
as the account name. Profile fields the county sends go to the accounts service as
``sso.county_profile.received.v1`` (only when they changed since the last sign-in).
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from contracts.events.sso import CountyProfileReceivedV1
from servicekit.problems import Problem, conflict, forbidden, not_found
from servicekit.tokens import Principal
from services.sso.adapters.county_service import CountyIdentity
from services.sso.adapters.digests import digest, new_token
from services.sso.adapters.orm import county_arrivals, county_links
from services.sso.adapters.repository import AccountRepository
from services.sso.context import Sso
from services.sso.domain.accounts import Account
from services.sso.handlers.credentials import Client, check_password

PROFILE_RECEIVED = "sso.county_profile.received.v1"
ARRIVAL_SECONDS = 30 * 86400  # a reviewer may take a while to match a pending arrival


@dataclass(frozen=True)
class Linked:
    account: Account
    method: str
    county_code: str


@dataclass(frozen=True)
class NeedsLink:
    arrival_id: str
    browser_secret: str  # for the cookie that binds the arrival to this browser


def county_subject_digest(sso: Sso, county_code: str, subject: str) -> str:
    message = f"county-subject\x00{county_code}\x00{subject}".encode()
    return hmac.new(sso.config.pairwise_secret, message, hashlib.sha256).hexdigest()


def arrive(sso: Sso, identity: CountyIdentity, method: str,
           request_id: str | None) -> Linked | NeedsLink:
    subject = county_subject_digest(sso, identity.county_code, identity.subject)
    with sso.database.session() as session:
        link = session.execute(select(county_links).where(
            county_links.c.county_code == identity.county_code,
            county_links.c.county_subject == subject)).first()
        account = AccountRepository(session).get(link.account_id) if link else None
    if link is not None:
        if account is None or not account.enabled or not account.is_teacher:
            raise Problem(403, "account-unavailable", "This account cannot sign in")
        _send_profile(sso, link.id, link.profile_digest, account.account_id, identity)
        return Linked(account, method, identity.county_code)
    secret = new_token()
    arrival_id = new_token()
    now = sso.now()
    with sso.database.session() as session:
        session.execute(insert(county_arrivals).values(
            arrival_id=arrival_id, browser_hash=digest(secret), county_code=identity.county_code,
            county_subject=subject, method=method, profile=_valid_profile(identity),
            request_id=request_id, status="pending", created_at=now,
            expires_at=now + timedelta(seconds=ARRIVAL_SECONDS)))
    return NeedsLink(arrival_id, secret)


def pending_arrival(sso: Sso, arrival_id: str | None, browser_secret: str | None) -> dict | None:
    if not arrival_id or not browser_secret:
        return None
    with sso.database.session() as session:
        row = session.execute(select(county_arrivals).where(
            county_arrivals.c.arrival_id == arrival_id, county_arrivals.c.status == "pending",
            county_arrivals.c.expires_at > sso.now())).first()
    if row is None or not hmac.compare_digest(row.browser_hash, digest(browser_secret)):
        return None
    return dict(row._mapping)


def confirm_with_password(sso: Sso, arrival_id: str, browser_secret: str, login: str,
                          password: str, who: Client) -> Linked | None:
    """The teacher proves the platform account is theirs; the link is made. None when the
    credentials are wrong (raises ``Locked``)."""
    arrival = pending_arrival(sso, arrival_id, browser_secret)
    if arrival is None:
        raise Problem(400, "arrival-expired", "This county sign-in is no longer waiting")
    account = check_password(sso, login, password, who, method="link")
    if account is None:
        return None
    if not account.is_teacher:
        raise Problem(403, "not-a-teacher", "Only teacher accounts roam in from a county")
    _link(sso, arrival, account.account_id, "self-confirmed")
    return Linked(account, arrival["method"], arrival["county_code"])


def link_requests(sso: Sso, principal: Principal, county_code: str | None) -> list[dict]:
    county_code = _county_in_scope(principal, county_code)
    with sso.database.session() as session:
        query = select(county_arrivals).where(county_arrivals.c.status == "pending",
                                              county_arrivals.c.expires_at > sso.now())
        if county_code:
            query = query.where(county_arrivals.c.county_code == county_code)
        rows = session.execute(query.order_by(county_arrivals.c.created_at)).all()
    return [{"arrival_id": r.arrival_id, "county_code": r.county_code, "method": r.method,
             "profile": r.profile, "created_at": r.created_at} for r in rows]


def approve_link(sso: Sso, principal: Principal, arrival_id: str, account_id: str) -> dict:
    with sso.database.session() as session:
        row = session.execute(select(county_arrivals).where(
            county_arrivals.c.arrival_id == arrival_id, county_arrivals.c.status == "pending",
            county_arrivals.c.expires_at > sso.now())).first()
        account = AccountRepository(session).get(account_id)
    if row is None:
        raise not_found(f"no pending county sign-in {arrival_id}")
    _county_in_scope(principal, row.county_code)
    if account is None or not account.is_teacher:
        raise Problem(422, "not-a-teacher", "The account is not a teacher account")
    if not principal.has_any_role("operator", "admin") and account.county_code != row.county_code:
        raise forbidden("a county's reviewer links teachers of that county only")
    _link(sso, dict(row._mapping), account_id, f"reviewer:{principal.subject}"[:100])
    return {"arrival_id": arrival_id, "account_id": account_id, "county_code": row.county_code}


def reject_link(sso: Sso, principal: Principal, arrival_id: str) -> None:
    with sso.database.session() as session:
        county = session.scalar(select(county_arrivals.c.county_code).where(
            county_arrivals.c.arrival_id == arrival_id, county_arrivals.c.status == "pending"))
        if county is None:
            raise not_found(f"no pending county sign-in {arrival_id}")
        _county_in_scope(principal, county)
        session.execute(update(county_arrivals).where(
            county_arrivals.c.arrival_id == arrival_id)
            .values(status="rejected", decided_by=principal.subject[:64]))


def _county_in_scope(principal: Principal, county_code: str | None) -> str | None:
    """Operators see every county; a reviewer only the county they review for."""
    if principal.has_any_role("operator", "admin"):
        return county_code
    if principal.authority is None or county_code not in (None, principal.authority):
        raise forbidden("a reviewer acts for their own county only")
    return principal.authority


def _link(sso: Sso, arrival: dict, account_id: str, by: str) -> None:
    try:
        with sso.database.session() as session:
            changed = session.execute(update(county_arrivals).where(
                county_arrivals.c.arrival_id == arrival["arrival_id"],
                county_arrivals.c.status == "pending")
                .values(status="linked", decided_by=by[:64])).rowcount
            if changed != 1:
                raise conflict("arrival-decided", "This county sign-in was decided already")
            profile = dict(arrival["profile"])
            session.execute(insert(county_links).values(
                county_code=arrival["county_code"], county_subject=arrival["county_subject"],
                account_id=account_id, linked_at=sso.now(), linked_by=by,
                profile_digest=_profile_digest(profile) if profile else None))
            if profile:
                sso.outbox.record(session, PROFILE_RECEIVED, {
                    "account_id": account_id, "county_code": arrival["county_code"], **profile})
    except IntegrityError:
        raise conflict("already-linked", "This county identity, or this teacher, is linked "
                       "for this county already") from None


def _valid_profile(identity: CountyIdentity) -> dict[str, Any]:
    """Only fields the event contract accepts: a county sending a malformed e-mail must not
    stop its teacher from signing in."""
    schema = CountyProfileReceivedV1()
    valid = {}
    for name in ("display_name", "email", "unit_code"):
        if name in identity.profile:
            try:
                schema.load({"account_id": "00000000-0000-0000-0000-000000000000",
                             "county_code": identity.county_code, name: identity.profile[name]})
                valid[name] = identity.profile[name]
            except ValidationError:
                continue
    return valid


def _send_profile(sso: Sso, link_id: int, last_digest: str | None, account_id: str,
                  identity: CountyIdentity) -> None:
    profile = _valid_profile(identity)
    if not profile:
        return
    current = _profile_digest(profile)
    if current == last_digest:
        return
    with sso.database.session() as session:
        session.execute(update(county_links).where(county_links.c.id == link_id)
                        .values(profile_digest=current))
        sso.outbox.record(session, PROFILE_RECEIVED, {
            "account_id": account_id, "county_code": identity.county_code, **profile})


def _profile_digest(profile: dict[str, Any]) -> str:
    return digest(json.dumps(profile, sort_keys=True, ensure_ascii=False))
