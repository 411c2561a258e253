"""Undoing a county link (R-SSO-4): a reviewer matched the wrong teacher, a county
identity was taken over, or the teacher no longer wants it. Whoever may see the link may
undo it — the teacher themself, a reviewer of that county, an operator — with a reason,
kept with the link as it was. The teacher's sessions and grants end at once (and partners
are told): a session opened with that county identity cannot be told from the others,
and it may not have been the teacher's."""
from __future__ import annotations

from typing import Any

from servicekit.clock import Clock
from servicekit.errors import Invalid, NotFound
from servicekit.tokens import Principal
from services.sso.adapters.unit_of_work import SsoWork
from services.sso.handlers.sign_outs import SignOut

STAFF = ("operator", "admin")


def _acting_as(principal: Principal, county_code: str, account_id: str) -> str | None:
    """The role by which the caller may see and undo the link; None: it may not."""
    for role in STAFF:
        if principal.has_any_role(role):
            return role
    if principal.has_any_role("reviewer") and principal.authority == county_code:
        return "reviewer"
    if principal.has_any_role("teacher") and principal.subject == account_id:
        return "teacher"
    return None


def links_of(uow: SsoWork, principal: Principal, account_id: str) -> list[dict[str, Any]]:
    """The teacher's county links the caller may see (none: as if there were none)."""
    with uow:
        links = uow.county_links.links_of(account_id)
    return [{"link_id": link.link_id, "county_code": link.county_code,
             "linked_at": link.linked_at, "linked_by": link.linked_by,
             "proposed_by": link.proposed_by} for link in links
            if _acting_as(principal, link.county_code, account_id)]


def unlink(uow: SsoWork, clock: Clock, sign_out: SignOut, principal: Principal,
           link_id: int, reason: str) -> dict[str, Any]:
    reason = " ".join(reason.split())
    if len(reason) < 5:
        raise Invalid("reason-required", "A reason is required",
                      "say why the county link is undone (at least 5 characters)")
    with uow:
        link = uow.county_links.link_for_update(link_id)
        role = link and _acting_as(principal, link.county_code, link.account_id)
        if link is None or role is None:
            raise NotFound(f"no county link {link_id}")
        now = clock.now()
        uow.county_links.unlink(link, now, f"{role}:{principal.subject}"[:100], reason[:500])
        sign_out(uow, link.account_id, "county-unlinked")
    return {"link_id": link_id, "county_code": link.county_code, "account_id": link.account_id,
            "unlinked_at": now}
