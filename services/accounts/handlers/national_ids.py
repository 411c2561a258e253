"""Teachers by national ID (through the keyed hash), and the audited export: the only
use of a national ID from outside, and the only way one leaves this service."""
from __future__ import annotations

import math
import uuid
from datetime import datetime, time, timedelta
from typing import Any

from servicekit.clock import Clock
from servicekit.errors import ApplicationError, Invalid, LimitReached, NotFound
from servicekit.settings import Settings
from servicekit.tokens import Principal
from services.accounts.adapters.lookup_audit import ANSWERED, OVER_QUOTA, LookupRecord
from services.accounts.adapters.national_id_vault import NationalIdVault, UnknownKey
from services.accounts.adapters.unit_of_work import AccountsUnitOfWork
from services.accounts.domain import dates, national_id
from services.accounts.domain.accounts import TEACHER
from services.accounts.domain.teachers import KnownTeacher
from services.accounts.domain.units import Unit
from services.accounts.handlers.scope import scope_of, sees_teachers_of

MAX_EXPORT = 1000
MAX_LOOKUP = 1000
# IDs one account may look up a day: a large school's staff (about 300) several times
# over, or a county's course of a thousand attendees checked twice.
DEFAULT_LOOKUPS_PER_DAY = 2000


def lookup(uow: AccountsUnitOfWork, clock: Clock, vault: NationalIdVault, per_day: int,
           principal: Principal, numbers: list[str]) -> list[dict[str, Any]]:
    """Teachers by national ID, through the hash; one answer per number, in order, and
    never the number itself. Business accounts and reviewers use it to add attendees.
    While a previous hash key is configured a number matches under either key (the
    current one first), so teachers not yet rehashed are still found.

    A teacher whose current school is in the caller's scope (``sees_teachers_of``: its
    own unit for a business account, its authority's schools for a reviewer, every school
    for the network's staff) is answered in full; any other only as found. Every call
    counts its IDs against the caller's daily quota (``per_day``, the setting
    ``NATIONAL_ID_LOOKUPS_PER_DAY``) and
    is audited — who, when, the caller's scope, how many IDs, how many found — in the
    transaction that reads, refused ones too; never the IDs nor their hashes."""
    if not numbers or len(numbers) > MAX_LOOKUP:
        raise Invalid("invalid-lookup", "The lookup is not valid",
                      f"send between 1 and {MAX_LOOKUP} national IDs")
    answers: list[dict[str, Any]] = []
    candidates: list[tuple[bytes, ...]] = []  # empty for a number that is not valid
    for number in numbers:
        try:
            candidates.append(vault.lookup_hashes(national_id.validate(number)))
        except national_id.InvalidNationalId as error:
            candidates.append(())
            answers.append({"found": False, "problem": f"invalid-national-id: {error.reason}"})
            continue
        answers.append({})
    now = clock.now()
    today = dates.taipei_date(now)
    with uow:
        audit = uow.lookups
        over_quota = not audit.take(principal.subject[:128], today, len(numbers), per_day)
        if over_quota:
            audit.record(_audit_entry(principal, now, len(numbers), 0, 0, OVER_QUOTA))
        else:
            found = uow.accounts.teachers_by_hash([h for hashes in candidates for h in hashes])
            schools = uow.units.many(
                sorted({t.unit_code for t in found.values() if t.unit_code}), today)
            found_count = in_full = 0
            for index, hashes in enumerate(candidates):
                if hashes:
                    teacher = next((found[h] for h in hashes if h in found), None)
                    answers[index] = _answer(principal, teacher, schools)
                    found_count += teacher is not None
                    in_full += "account_id" in answers[index]
            audit.record(_audit_entry(principal, now, len(numbers), found_count, in_full,
                                      ANSWERED))
    if over_quota:
        raise LimitReached("lookup-quota-exceeded", "Too many national IDs looked up today",
                           f"this account may look up {per_day} national IDs a day; the quota "
                           f"starts again at midnight (Asia/Taipei)",
                           retry_after=_seconds_to_midnight(now), quota_per_day=per_day)
    return answers


SERVICE_LOOKUP_SCOPE = "accounts.teachers.lookup"
SERVICE = "service"


def service_lookup(uow: AccountsUnitOfWork, clock: Clock, vault: NationalIdVault,
                   principal: Principal, numbers: list[str]) -> list[dict[str, Any]]:
    """A platform service (the transfer service resolving the teachers a source reports)
    gets the account id of any teacher, one answer per number, in order: ``found`` false,
    an invalid number's ``problem``, or ``found`` with the ``account_id`` — never a name,
    a login or the number. The caller is a service client whose token holds the scope
    ``SERVICE_LOOKUP_SCOPE`` (checked by the route); no daily quota (a monthly file holds
    hundreds of thousands of rows), every call audited as a user's is, with the scope
    ``service``."""
    if not numbers or len(numbers) > MAX_LOOKUP:
        raise Invalid("invalid-lookup", "The lookup is not valid",
                      f"send between 1 and {MAX_LOOKUP} national IDs")
    answers: list[dict[str, Any]] = []
    candidates: list[tuple[bytes, ...]] = []
    for number in numbers:
        try:
            candidates.append(vault.lookup_hashes(national_id.validate(number)))
            answers.append({"found": False})
        except national_id.InvalidNationalId as error:
            candidates.append(())
            answers.append({"found": False, "problem": f"invalid-national-id: {error.reason}"})
    now = clock.now()
    with uow:
        found = uow.accounts.teachers_by_hash([h for hashes in candidates for h in hashes])
        found_count = 0
        for index, hashes in enumerate(candidates):
            teacher = next((found[h] for h in hashes if h in found), None)
            if teacher is not None:
                answers[index] = {"found": True, "account_id": teacher.account_id}
                found_count += 1
        uow.lookups.record(LookupRecord(
            principal.subject[:128], now, "", None, None, SERVICE, len(numbers),
            found_count, found_count, ANSWERED))
    return answers


def _answer(principal: Principal, teacher: KnownTeacher | None,
            schools: dict[str, Unit]) -> dict[str, Any]:
    if teacher is None:
        return {"found": False}
    if not sees_teachers_of(principal, schools.get(teacher.unit_code or "")):
        return {"found": True}  # another's teacher: no more than that
    return {"found": True, "account_id": teacher.account_id, "login": teacher.login,
            "display_name": teacher.display_name, "unit_code": teacher.unit_code}


def lookups_per_day(settings: Settings) -> int:
    return settings.positive_int("NATIONAL_ID_LOOKUPS_PER_DAY", DEFAULT_LOOKUPS_PER_DAY)


def _audit_entry(principal: Principal, at: datetime, ids: int, found: int, in_full: int,
                 outcome: str) -> LookupRecord:
    # Cut to the columns' sizes: a token's claims are not this service's checked codes.
    return LookupRecord(principal.subject[:128], at, ",".join(sorted(principal.roles))[:128],
                        (principal.authority or "")[:16] or None,
                        (principal.unit or "")[:32] or None, scope_of(principal), ids, found,
                        in_full, outcome)


def _seconds_to_midnight(moment: datetime) -> int:
    local = moment.astimezone(dates.TAIPEI)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=dates.TAIPEI)
    return max(1, math.ceil((midnight - local).total_seconds()))


def export_national_ids(uow: AccountsUnitOfWork, clock: Clock, vault: NationalIdVault,
                        principal: Principal, account_ids: list[uuid.UUID],
                        reason: str) -> dict[str, Any]:
    """Operators only (the route says so); every teacher exported is an audit row — who,
    when, whose, why — written in the same transaction as the read."""
    reason = " ".join(reason.split())
    if len(reason) < 10:
        raise Invalid("reason-required", "A reason is required",
                      "say why the national IDs are needed (at least 10 characters)")
    ids = list(dict.fromkeys(account_ids))
    if not ids or len(ids) > MAX_EXPORT:
        raise Invalid("invalid-export", "The export is not valid",
                      f"name between 1 and {MAX_EXPORT} teachers")
    export_id, now = uuid.uuid4(), clock.now()
    with uow:
        accounts = uow.accounts
        teachers = []
        for account_id in ids:
            account = accounts.get(account_id)
            sealed = accounts.sealed_national_id(account_id) if account else None
            if account is None or account.kind != TEACHER or sealed is None:
                raise NotFound(f"teacher {account_id}", slug="unknown-teacher",
                               title="No such teacher")
            try:
                number = vault.open(str(account.account_id), sealed)
            except UnknownKey as error:
                # No refusal of the caller's: a key we no longer hold is a fault of ours (no kind).
                raise ApplicationError("national-id-unreadable",
                                       "A national ID cannot be decrypted", str(error),
                                       account_id=str(account_id)) from None
            teachers.append({"account_id": account.account_id, "login": account.login,
                             "display_name": account.display_name, "national_id": number})
        uow.exports.record(export_id, ids, principal.subject, now, reason)
    return {"export_id": export_id, "exported_at": now, "teachers": teachers}


def export_audit(uow: AccountsUnitOfWork, limit: int = 100, offset: int = 0
                 ) -> list[dict[str, Any]]:
    with uow:
        return uow.exports.list(limit, offset)


