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
