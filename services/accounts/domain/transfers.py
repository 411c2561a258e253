"""A teacher's move from a school of one authority to a school of another (R-ACC-1).

Who may change a teacher follows the teacher's CURRENT school: its authority's reviewers
and the network's staff. So a county cannot take a teacher of another county by naming
them in a file; the move between authorities is a transfer, made by the authority the
teacher serves under today (or the network), with a reason, and every such move — the
transfer itself, a change or a national import by the network's staff, a county's profile
moving its teacher to a national school in the county — is recorded."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from services.accounts.domain.teachers import TeacherChange
from services.accounts.domain.units import Unit

# How the move was made.
BY_TRANSFER, BY_CHANGE, BY_IMPORT = "transfer", "change", "import"
BY_COUNTY_PROFILE = "county-profile"  # a county's sign-on, between a county and a national school
MIN_REASON = 10


@dataclass(frozen=True)
class Transfer:
    transfer_id: uuid.UUID
    account_id: uuid.UUID
    from_unit_code: str | None
    from_authority_code: str | None
    to_unit_code: str
    to_authority_code: str | None
    since: date
    via: str
    transferred_by: str
    transferred_at: datetime
    reason: str | None = None
    import_id: uuid.UUID | None = None


class InvalidTransfer(ValueError):
    pass


def transfer_reason(reason: str) -> str:
    """Whitespace folded; at least ten characters, so the audit says something."""
    folded = " ".join(reason.split())
    if len(folded) < MIN_REASON:
        raise InvalidTransfer(f"say why the teacher moves (at least {MIN_REASON} characters)")
    return folded


def crosses_authorities(from_authority: str | None, to_authority: str | None) -> bool:
    return from_authority != to_authority


def transfer_between(account_id: uuid.UUID, change: TeacherChange, left: Unit | None,
                     joined: Unit, via: str, by: str, at: datetime, reason: str | None = None,
                     import_id: uuid.UUID | None = None) -> Transfer | None:
    """The record of the move ``change`` makes from ``left`` (the teacher's school until
    now, None if unknown) to ``joined``, when it crosses authorities; None for a move
    within an authority and for a change that is no move. Every way a teacher moves (a
    transfer, a change by hand, an import, a county's profile) records it so."""
    if not change.moved:
        return None
    left_authority = left.authority_code if left else None
    if not crosses_authorities(left_authority, joined.authority_code):
        return None
    return Transfer(uuid.uuid4(), account_id, change.left_school, left_authority,
                    change.unit_code, joined.authority_code, change.moved_on, via, by, at,
                    reason, import_id)
