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

from contracts.events.sso import COUNTY_PROFILE_RECEIVED, CountyProfileReceivedV1
from servicekit.clock import Clock
from servicekit.errors import Conflict, Forbidden, Invalid, NotFound
from servicekit.tokens import Principal
from services.sso.adapters.county_links_repo import LinkTaken
from services.sso.adapters.county_service import CountyIdentity
from services.sso.adapters.digests import digest, new_token
from services.sso.adapters.name_digests import NameDigests
from services.sso.adapters.unit_of_work import SsoWork
from services.sso.domain.accounts import Account
from services.sso.handlers.credentials import (
    Checking,
    Client,
    check_account_password,
    check_password,
)

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


def arrive(uow: SsoWork, clock: Clock, names: NameDigests, identity: CountyIdentity,
           method: str, request_id: str | None) -> Linked | NeedsLink:
    subject = names.county_subject(identity.county_code, identity.subject)
    with uow:
        link = uow.county_links.link_of_subject(identity.county_code, subject)
        account = uow.accounts.get(link.account_id) if link else None
        if link is not None:
            if account is None or not account.enabled or not account.is_teacher:
                raise Forbidden("the linked account is not an enabled teacher account",
                                slug="account-unavailable",
                                title="This account cannot sign in")
            _send_profile(uow, link.link_id, link.profile_digest, account.account_id, identity)
            return Linked(account, method, identity.county_code)
    secret, now = new_token(), clock.now()
    with uow:
        # A reviewer's proposal waits for this identity: this browser may now confirm it.
        proposed = uow.county_links.proposal_waiting_for(identity.county_code, subject,
                                                         PROPOSED, now)
        if proposed is not None and uow.county_links.change_arrival(
                proposed, (PROPOSED,), browser_hash=digest(secret), request_id=request_id,
                method=method, profile=_valid_profile(identity)):
            return NeedsLink(proposed, secret)
        arrival_id = new_token()
        uow.county_links.add_arrival(
            arrival_id=arrival_id, browser_hash=digest(secret), county_code=identity.county_code,
            county_subject=subject, method=method, profile=_valid_profile(identity),
            request_id=request_id, status=PENDING, created_at=now,
            expires_at=now + timedelta(seconds=ARRIVAL_SECONDS))
    return NeedsLink(arrival_id, secret)


def pending_arrival(uow: SsoWork, clock: Clock, arrival_id: str | None,
                    browser_secret: str | None) -> dict[str, Any] | None:
    if not arrival_id or not browser_secret:
        return None
    with uow:
        arrival = uow.county_links.arrival(arrival_id, WAITING, live_at=clock.now())
    if arrival is None or not hmac.compare_digest(arrival["browser_hash"],
                                                  digest(browser_secret)):
        return None
    return arrival


def confirm_with_password(uow: SsoWork, checking: Checking, arrival_id: str,
                          browser_secret: str, login: str, password: str,
                          who: Client) -> Linked | None:
    """The teacher proves the platform account is theirs; the link is made (to that
    account, whatever a reviewer proposed). None when the credentials are wrong (raises
    ``Locked``)."""
    arrival = pending_arrival(uow, checking.clock, arrival_id, browser_secret)
    if arrival is None:
        raise Conflict("arrival-expired", "This county sign-in is no longer waiting")
    account = check_password(uow, checking, login, password, who, method="link")
    if account is None:
        return None
    if not account.is_teacher:
        raise Forbidden("only teacher accounts roam in from a county", slug="not-a-teacher",
                        title="Only teacher accounts roam in from a county")
    _link(uow, checking.clock, arrival, account.account_id, CONFIRMED_AT_COUNTY_SIGN_IN)
    return Linked(account, arrival["method"], arrival["county_code"])


def proposals_for(uow: SsoWork, clock: Clock, account_id: str) -> list[dict[str, Any]]:
    """What reviewers proposed to link to this teacher, waiting for their password."""
    with uow:
        arrivals = uow.county_links.proposed_to(account_id, PROPOSED, clock.now())
    return [{"arrival_id": a["arrival_id"], "county_code": a["county_code"],
             "profile": a["profile"], "proposed_at": a["proposed_at"]} for a in arrivals]


def confirm_proposal(uow: SsoWork, checking: Checking, principal: Principal,
                     arrival_id: str, password: str, who: Client) -> dict[str, Any]:
    """The signed-in teacher confirms a reviewer's proposal with their platform password.
    Raises ``Locked``, ``NotFound`` (no such proposal for them) or ``Forbidden``
    (``wrong-password``)."""
    with uow:
        arrival = uow.county_links.arrival(arrival_id, (PROPOSED,), live_at=checking.clock.now(),
                                           proposed_account_id=principal.subject)
        account = uow.accounts.get(principal.subject)
    if arrival is None or account is None:
        raise NotFound(f"no county link proposal {arrival_id} for you")
    if not check_account_password(uow, checking, account, password, who, method="link"):
        raise Forbidden("the password is not right", slug="wrong-password",
                        title="The password is not right")
    _link(uow, checking.clock, arrival, account.account_id, CONFIRMED_SIGNED_IN)
    return {"arrival_id": arrival_id, "account_id": account.account_id,
            "county_code": arrival["county_code"], "status": LINKED}


def link_requests(uow: SsoWork, clock: Clock, principal: Principal,
                  county_code: str | None) -> list[dict[str, Any]]:
    """County sign-ins waiting: to be matched (``pending``), or matched and waiting for the
    teacher's password (``proposed``)."""
    county_code = _county_in_scope(principal, county_code)
    with uow:
        arrivals = uow.county_links.waiting(WAITING, clock.now(), county_code)
    return [{"arrival_id": a["arrival_id"], "county_code": a["county_code"],
             "method": a["method"], "profile": a["profile"], "created_at": a["created_at"],
             "status": a["status"], "proposed_account_id": a["proposed_account_id"],
             "proposed_by": a["proposed_by"]} for a in arrivals]


def propose_link(uow: SsoWork, clock: Clock, principal: Principal, arrival_id: str,
                 account_id: str) -> dict[str, Any]:
    """A reviewer's match: a proposal only. The teacher confirms it with their password."""
    now = clock.now()
    with uow:
        arrival = uow.county_links.arrival(arrival_id, (PENDING,), live_at=now)
        if arrival is None:
            raise NotFound(f"no pending county sign-in {arrival_id}")
        _county_in_scope(principal, arrival["county_code"])
        account = uow.accounts.get(account_id)
        if account is None or not account.is_teacher:
            raise Invalid("not-a-teacher", "The account is not a teacher account")
        if not principal.has_any_role("operator", "admin") and \
                account.county_code != arrival["county_code"]:
            raise Forbidden("a county's reviewer links teachers of that county only")
        if not uow.county_links.change_arrival(
                arrival_id, (PENDING,), status=PROPOSED, proposed_account_id=account_id,
                proposed_by=f"reviewer:{principal.subject}"[:100], proposed_at=now,
                # the teacher has the whole period to confirm
                expires_at=now + timedelta(seconds=ARRIVAL_SECONDS)):
            raise Conflict("arrival-decided", "This county sign-in was decided already")
    return {"arrival_id": arrival_id, "account_id": account_id,
            "county_code": arrival["county_code"], "status": PROPOSED}


def reject_link(uow: SsoWork, principal: Principal, arrival_id: str) -> None:
    with uow:
        arrival = uow.county_links.arrival(arrival_id, WAITING)
        if arrival is None:
            raise NotFound(f"no pending county sign-in {arrival_id}")
        _county_in_scope(principal, arrival["county_code"])
        uow.county_links.change_arrival(arrival_id, WAITING, status=REJECTED,
                                        decided_by=principal.subject[:64])


def _county_in_scope(principal: Principal, county_code: str | None) -> str | None:
    """Operators see every county; a reviewer only the county they review for."""
    if principal.has_any_role("operator", "admin"):
        return county_code
    if principal.authority is None or county_code not in (None, principal.authority):
        raise Forbidden("a reviewer acts for their own county only")
    return principal.authority


def _link(uow: SsoWork, clock: Clock, arrival: dict[str, Any], account_id: str,
          by: str) -> None:
    """``by``: how the teacher confirmed it. A reviewer's proposal is credited only when
    the teacher confirmed that very account."""
    proposed_by = arrival.get("proposed_by") \
        if arrival.get("proposed_account_id") == account_id else None
    try:
        with uow:
            if not uow.county_links.change_arrival(arrival["arrival_id"], WAITING,
                                                   status=LINKED, decided_by=by[:64]):
                raise Conflict("arrival-decided", "This county sign-in was decided already")
            profile = dict(arrival["profile"])
            uow.county_links.add_link(
                arrival["county_code"], arrival["county_subject"], account_id, clock.now(), by,
                proposed_by, _profile_digest(profile) if profile else None)
            if profile:
                uow.record(COUNTY_PROFILE_RECEIVED, {
                    "account_id": account_id, "county_code": arrival["county_code"], **profile})
    except LinkTaken:
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


def _send_profile(uow: SsoWork, link_id: int, last_digest: str | None, account_id: str,
                  identity: CountyIdentity) -> None:
    """In the open unit of work: the profile the county sent, when it changed."""
    profile = _valid_profile(identity)
    if not profile:
        return
    current = _profile_digest(profile)
    if current == last_digest:
        return
    uow.county_links.set_profile_digest(link_id, current)
    uow.record(COUNTY_PROFILE_RECEIVED, {
        "account_id": account_id, "county_code": identity.county_code, **profile})


def _profile_digest(profile: dict[str, Any]) -> str:
    return digest(json.dumps(profile, sort_keys=True, ensure_ascii=False))
