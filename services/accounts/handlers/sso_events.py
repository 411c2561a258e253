"""What the accounts service takes from the sso service's events, applied inside the
consumer's transaction (its inbox row commits with the change, so each event counts once).

- sso.account.signed_in.v1: the last sign-in, for the dormant-accounts report (R-ACC-2).
- sso.county_profile.received.v1: a county's profile fields for its roaming teacher
  (R-SSO-4). The county speaks only for its own: it may rename a teacher serving in its
  county today, and move one only to a school in its county (a teacher serving elsewhere
  is another's, whatever school the profile names: a transfer moves them). Anything else is ignored (logged):
  failing would only send the event round the retries to the dead letters."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from servicekit.clock import Clock
from servicekit.events import Envelope
from servicekit.service import Runtime
from services.accounts.adapters.accounts_repo import AccountRepository
from services.accounts.adapters.unit_of_work import AccountsUnitOfWork
from services.accounts.domain.accounts import TEACHER, InvalidAccount, check_display_name
from services.accounts.domain.dates import taipei_date
from services.accounts.domain.teachers import RowRejected, change_for
from services.accounts.domain.transfers import BY_COUNTY_PROFILE, transfer_between
from services.accounts.domain.units import SCHOOL_TYPES
from services.accounts.handlers.teachers import apply_change, known_teacher

log = logging.getLogger("services.accounts.sso_events")
Handler = Callable[[Session, dict[str, Any], Envelope], None]


def apply_sign_in(session: Session, data: dict[str, Any], envelope: Envelope) -> None:
    if not AccountRepository(session).record_sign_in(data["account_id"], data["at"]):
        log.warning("sign-in of an unknown account", extra={"event_id": envelope.id})


def county_profile_handler(runtime: Runtime) -> Handler:
    def apply(session: Session, data: dict[str, Any], envelope: Envelope) -> None:
        with AccountsUnitOfWork.joining(session, runtime.outbox) as uow:
            apply_profile(uow, runtime.clock, data, envelope)
    return apply


def apply_profile(uow: AccountsUnitOfWork, clock: Clock, data: dict[str, Any],
                  envelope: Envelope) -> None:
    """Inside the consumer's transaction (``uow`` joins it)."""
    def ignore(why: str) -> None:
        log.info("county profile not applied", extra={"event_id": envelope.id, "why": why})

    account = uow.accounts.get(data["account_id"], for_update=True)
    if account is None or account.kind != TEACHER:
        return ignore("not a teacher of ours")
    day, county = taipei_date(envelope.time), data["county_code"]
    units = uow.units
    current = units.get(account.unit_code or "", day)
    # Checked first, whatever the profile says: a county that names one of its schools
    # must not thereby take (rename, re-mail, move) another county's teacher.
    if current is None or current.county_code != county:
        return ignore("the teacher does not serve in the county")
    school = current
    if "unit_code" in data:
        proposed = units.get(data["unit_code"], day)
        if proposed is None or proposed.county_code != county or proposed.unit_type not in SCHOOL_TYPES:
            return ignore("the school is unknown, not a school, or not in the county")
        school = proposed
    try:
        name = check_display_name(data.get("display_name", account.display_name))
        change = change_for(known_teacher(account), name, data.get("email"), school.code, day, day,
                            clear_email="email" in data and data["email"] is None)
    except (InvalidAccount, RowRejected) as error:
        return ignore(str(error))
    if change is None:
        return
    apply_change(uow, clock, account, change, school.county_code)
    # Within the county, yet maybe between authorities (a national school in the county).
    transfer = transfer_between(account.account_id, change, current, school, BY_COUNTY_PROFILE,
                                f"county:{county}", envelope.time)
    if transfer is not None:
        uow.transfers.add([transfer])
