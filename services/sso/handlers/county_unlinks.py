"""Undoing a county link (R-SSO-4): a reviewer matched the wrong teacher, a county
identity was taken over, or the teacher no longer wants it. Whoever may see the link may
undo it — the teacher themself, a reviewer of that county, an operator — with a reason,
kept with the link as it was. The teacher's sessions and grants end at once (and partners
are told): a session opened with that county identity cannot be told from the others,
and it may not have been the teacher's."""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select

from servicekit.errors import Invalid, NotFound
from servicekit.tokens import Principal
from services.sso.adapters.orm import county_links, county_unlinks
from services.sso.context import Sso
from services.sso.handlers.sessions import end_sign_ins

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


def links_of(sso: Sso, principal: Principal, account_id: str) -> list[dict[str, Any]]:
    """The teacher's county links the caller may see (none: as if there were none)."""
    with sso.database.session() as session:
        rows = session.execute(select(county_links.c.id, county_links.c.county_code,
                                      county_links.c.linked_at, county_links.c.linked_by,
                                      county_links.c.proposed_by)
                               .where(county_links.c.account_id == account_id)
                               .order_by(county_links.c.county_code)).all()
    return [{"link_id": row.id, "county_code": row.county_code, "linked_at": row.linked_at,
             "linked_by": row.linked_by, "proposed_by": row.proposed_by} for row in rows
            if _acting_as(principal, row.county_code, account_id)]


def unlink(sso: Sso, principal: Principal, link_id: int, reason: str) -> dict[str, Any]:
    reason = " ".join(reason.split())
    if len(reason) < 5:
        raise Invalid("reason-required", "A reason is required",
                      "say why the county link is undone (at least 5 characters)")
    with sso.database.session() as session:
        link = session.execute(select(county_links).where(county_links.c.id == link_id)
                               .with_for_update()).first()
        role = link and _acting_as(principal, link.county_code, link.account_id)
        if link is None or role is None:
            raise NotFound(f"no county link {link_id}")
        now = sso.now()
        session.execute(delete(county_links).where(county_links.c.id == link_id))
        session.execute(insert(county_unlinks).values(
            link_id=link_id, county_code=link.county_code, account_id=link.account_id,
            linked_at=link.linked_at, linked_by=link.linked_by,
            proposed_by=link.proposed_by, unlinked_at=now,
            unlinked_by=f"{role}:{principal.subject}"[:100], reason=reason[:500]))
        end_sign_ins(session, sso, link.account_id, "county-unlinked")
    return {"link_id": link_id, "county_code": link.county_code, "account_id": link.account_id,
            "unlinked_at": now}
