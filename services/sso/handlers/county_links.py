"""Linking a county identity to a teacher, once, and only with the teacher's own platform
password (R-SSO-4, issue 8 point 5) — never by e-mail or name, and never by anyone else's
word alone:

* the teacher confirms it with their platform password in the same browser that brought
  the county identity (the arrival is bound to that browser by a cookie);
* or a reviewer of that county (or an operator) *proposes* a teacher account of the
  county for a pending arrival, after checking it in the county's own records; the
  proposal does nothing by itself. The teacher confirms it with their platform password,
  at the next county sign-in with that identity (the arrival is then bound to that
  browser) or from a signed-in platform session. Until then the county identity signs
  nobody in.

The link keeps who proposed it (``proposed_by``) and how the teacher confirmed it
(``linked_by``); the password check is a ``link`` login record, counted towards the
lockout like any sign-in. County subjects are kept only as a keyed digest: some county
systems use the national ID as the account name. Profile fields the county sends go to
the accounts service as ``sso.county_profile.received.v1`` (only when they changed since
the last sign-in).
"""
from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from contracts.events.sso import COUNTY_PROFILE_RECEIVED, CountyProfileReceivedV1
from servicekit.dml import rows_changed
from servicekit.errors import Conflict, Forbidden, Invalid, NotFound
from servicekit.tokens import Principal
from services.sso.adapters.county_service import CountyIdentity
from services.sso.adapters.digests import digest, keyed_digest, new_token
from services.sso.adapters.orm import county_arrivals, county_links
from services.sso.adapters.repository import AccountRepository
from services.sso.context import Sso
from services.sso.domain.accounts import Account
from services.sso.handlers.credentials import Client, check_password

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


PENDING, PROPOSED, LINKED, REJECTED = "pending", "proposed", "linked", "rejected"
WAITING = (PENDING, PROPOSED)  # an arrival the teacher may still confirm
CONFIRMED_AT_COUNTY_SIGN_IN = "self-confirmed"
CONFIRMED_SIGNED_IN = "self-confirmed-signed-in"


def county_subject_digest(sso: Sso, county_code: str, subject: str) -> str:
    return keyed_digest(sso.config.pairwise_secret, f"county-subject\x00{county_code}", subject)


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
            raise Forbidden("the linked account is not an enabled teacher account",
                            slug="account-unavailable", title="This account cannot sign in")
        _send_profile(sso, link.id, link.profile_digest, account.account_id, identity)
        return Linked(account, method, identity.county_code)
    secret, now = new_token(), sso.now()
    with sso.database.session() as session:
        a = county_arrivals.c
        # A reviewer's proposal waits for this identity: this browser may now confirm it.
        proposed = session.scalar(select(a.arrival_id).where(
            a.county_code == identity.county_code, a.county_subject == subject,
            a.status == PROPOSED, a.expires_at > now).order_by(a.proposed_at.desc()).limit(1))
        if proposed is not None and rows_changed(session.execute(update(county_arrivals).where(
                a.arrival_id == proposed, a.status == PROPOSED).values(
                browser_hash=digest(secret), request_id=request_id, method=method,
                profile=_valid_profile(identity)))) == 1:
            return NeedsLink(proposed, secret)
        arrival_id = new_token()
        session.execute(insert(county_arrivals).values(
            arrival_id=arrival_id, browser_hash=digest(secret), county_code=identity.county_code,
            county_subject=subject, method=method, profile=_valid_profile(identity),
            request_id=request_id, status=PENDING, created_at=now,
            expires_at=now + timedelta(seconds=ARRIVAL_SECONDS)))
    return NeedsLink(arrival_id, secret)


def pending_arrival(sso: Sso, arrival_id: str | None, browser_secret: str | None) -> dict | None:
    if not arrival_id or not browser_secret:
        return None
    with sso.database.session() as session:
        row = session.execute(select(county_arrivals).where(
            county_arrivals.c.arrival_id == arrival_id, county_arrivals.c.status.in_(WAITING),
            county_arrivals.c.expires_at > sso.now())).first()
    if row is None or not hmac.compare_digest(row.browser_hash, digest(browser_secret)):
        return None
    return dict(row._mapping)


def confirm_with_password(sso: Sso, arrival_id: str, browser_secret: str, login: str,
                          password: str, who: Client) -> Linked | None:
    """The teacher proves the platform account is theirs; the link is made (to that
    account, whatever a reviewer proposed). None when the credentials are wrong (raises
    ``Locked``)."""
    arrival = pending_arrival(sso, arrival_id, browser_secret)
    if arrival is None:
        raise Conflict("arrival-expired", "This county sign-in is no longer waiting")
    account = check_password(sso, login, password, who, method="link")
    if account is None:
        return None
    if not account.is_teacher:
        raise Forbidden("only teacher accounts roam in from a county", slug="not-a-teacher",
                        title="Only teacher accounts roam in from a county")
    _link(sso, arrival, account.account_id, CONFIRMED_AT_COUNTY_SIGN_IN)
    return Linked(account, arrival["method"], arrival["county_code"])


def proposals_for(sso: Sso, account_id: str) -> list[dict]:
    """What reviewers proposed to link to this teacher, waiting for their password."""
    with sso.database.session() as session:
        rows = session.execute(select(county_arrivals).where(
            county_arrivals.c.proposed_account_id == account_id,
            county_arrivals.c.status == PROPOSED, county_arrivals.c.expires_at > sso.now())
            .order_by(county_arrivals.c.proposed_at)).all()
    return [{"arrival_id": r.arrival_id, "county_code": r.county_code, "profile": r.profile,
             "proposed_at": r.proposed_at} for r in rows]


def confirm_proposal(sso: Sso, principal: Principal, arrival_id: str, password: str,
                     who: Client) -> dict:
    """The signed-in teacher confirms a reviewer's proposal with their platform password.
    Raises ``Locked``, ``NotFound`` (no such proposal for them) or ``Forbidden``
    (``wrong-password``)."""
    with sso.database.session() as session:
        row = session.execute(select(county_arrivals).where(
            county_arrivals.c.arrival_id == arrival_id,
            county_arrivals.c.proposed_account_id == principal.subject,
            county_arrivals.c.status == PROPOSED,
            county_arrivals.c.expires_at > sso.now())).first()
        account = AccountRepository(session).get(principal.subject)
    if row is None or account is None:
        raise NotFound(f"no county link proposal {arrival_id} for you")
    confirmed = check_password(sso, account.login, password, who, method="link")
    if confirmed is None or confirmed.account_id != account.account_id:
        raise Forbidden("the password is not right", slug="wrong-password",
                        title="The password is not right")
    _link(sso, dict(row._mapping), account.account_id, CONFIRMED_SIGNED_IN)
    return {"arrival_id": arrival_id, "account_id": account.account_id,
            "county_code": row.county_code, "status": LINKED}


def link_requests(sso: Sso, principal: Principal, county_code: str | None) -> list[dict]:
    """County sign-ins waiting: to be matched (``pending``), or matched and waiting for the
    teacher's password (``proposed``)."""
    county_code = _county_in_scope(principal, county_code)
    with sso.database.session() as session:
        query = select(county_arrivals).where(county_arrivals.c.status.in_(WAITING),
                                              county_arrivals.c.expires_at > sso.now())
        if county_code:
            query = query.where(county_arrivals.c.county_code == county_code)
        rows = session.execute(query.order_by(county_arrivals.c.created_at)).all()
    return [{"arrival_id": r.arrival_id, "county_code": r.county_code, "method": r.method,
             "profile": r.profile, "created_at": r.created_at, "status": r.status,
             "proposed_account_id": r.proposed_account_id, "proposed_by": r.proposed_by}
            for r in rows]


def propose_link(sso: Sso, principal: Principal, arrival_id: str, account_id: str) -> dict:
    """A reviewer's match: a proposal only. The teacher confirms it with their password."""
    with sso.database.session() as session:
        row = session.execute(select(county_arrivals).where(
            county_arrivals.c.arrival_id == arrival_id, county_arrivals.c.status == PENDING,
            county_arrivals.c.expires_at > sso.now())).first()
        account = AccountRepository(session).get(account_id)
    if row is None:
        raise NotFound(f"no pending county sign-in {arrival_id}")
    _county_in_scope(principal, row.county_code)
    if account is None or not account.is_teacher:
        raise Invalid("not-a-teacher", "The account is not a teacher account")
    if not principal.has_any_role("operator", "admin") and account.county_code != row.county_code:
        raise Forbidden("a county's reviewer links teachers of that county only")
    now = sso.now()
    with sso.database.session() as session:
        changed = rows_changed(session.execute(update(county_arrivals).where(
            county_arrivals.c.arrival_id == arrival_id, county_arrivals.c.status == PENDING)
            .values(status=PROPOSED, proposed_account_id=account_id,
                    proposed_by=f"reviewer:{principal.subject}"[:100], proposed_at=now,
                    # the teacher has the whole period to confirm
                    expires_at=now + timedelta(seconds=ARRIVAL_SECONDS))))
    if changed != 1:
        raise Conflict("arrival-decided", "This county sign-in was decided already")
    return {"arrival_id": arrival_id, "account_id": account_id, "county_code": row.county_code,
            "status": PROPOSED}


def reject_link(sso: Sso, principal: Principal, arrival_id: str) -> None:
    with sso.database.session() as session:
        county = session.scalar(select(county_arrivals.c.county_code).where(
            county_arrivals.c.arrival_id == arrival_id, county_arrivals.c.status.in_(WAITING)))
        if county is None:
            raise NotFound(f"no pending county sign-in {arrival_id}")
        _county_in_scope(principal, county)
        session.execute(update(county_arrivals).where(
            county_arrivals.c.arrival_id == arrival_id)
            .values(status=REJECTED, decided_by=principal.subject[:64]))


def _county_in_scope(principal: Principal, county_code: str | None) -> str | None:
    """Operators see every county; a reviewer only the county they review for."""
    if principal.has_any_role("operator", "admin"):
        return county_code
    if principal.authority is None or county_code not in (None, principal.authority):
        raise Forbidden("a reviewer acts for their own county only")
    return principal.authority


def _link(sso: Sso, arrival: dict, account_id: str, by: str) -> None:
    """``by``: how the teacher confirmed it. A reviewer's proposal is credited only when
    the teacher confirmed that very account."""
    proposed_by = arrival.get("proposed_by") \
        if arrival.get("proposed_account_id") == account_id else None
    try:
        with sso.database.session() as session:
            changed = rows_changed(session.execute(update(county_arrivals).where(
                county_arrivals.c.arrival_id == arrival["arrival_id"],
                county_arrivals.c.status.in_(WAITING))
                .values(status=LINKED, decided_by=by[:64])))
            if changed != 1:
                raise Conflict("arrival-decided", "This county sign-in was decided already")
            profile = dict(arrival["profile"])
            session.execute(insert(county_links).values(
                county_code=arrival["county_code"], county_subject=arrival["county_subject"],
                account_id=account_id, linked_at=sso.now(), linked_by=by,
                proposed_by=proposed_by,
                profile_digest=_profile_digest(profile) if profile else None))
            if profile:
                sso.outbox.record(session, COUNTY_PROFILE_RECEIVED, {
                    "account_id": account_id, "county_code": arrival["county_code"], **profile})
    except IntegrityError:
        raise Conflict("already-linked", "This county identity, or this teacher, is linked "
                       "for this county already") from None


def _valid_profile(identity: CountyIdentity) -> dict[str, Any]:
    """Only fields the event contract accepts: a county sending a malformed e-mail must not
    stop its teacher from signing in."""
    schema = CountyProfileReceivedV1()
    valid: dict[str, Any] = {}
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
        sso.outbox.record(session, COUNTY_PROFILE_RECEIVED, {
            "account_id": account_id, "county_code": identity.county_code, **profile})


def _profile_digest(profile: dict[str, Any]) -> str:
    return digest(json.dumps(profile, sort_keys=True, ensure_ascii=False))
