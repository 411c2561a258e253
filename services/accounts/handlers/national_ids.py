"""Teachers by national ID (through the keyed hash), and the audited export: the only
use of a national ID from outside, and the only way one leaves this service."""
from __future__ import annotations

import uuid
from typing import Any

from servicekit.problems import Problem
from servicekit.service import Runtime
from servicekit.tokens import Principal
from services.accounts.adapters.accounts_repo import AccountRepository, ExportAudit
from services.accounts.adapters.national_id_vault import UnknownKey, vault_for
from services.accounts.domain import dates, national_id
from services.accounts.domain.accounts import TEACHER
from services.accounts.handlers.scope import invalid

MAX_EXPORT = 1000
MAX_LOOKUP = 1000


def lookup(runtime: Runtime, principal: Principal, numbers: list[str]) -> list[dict[str, Any]]:
    """Teachers by national ID, through the hash; one answer per number, in order, and
    never the number itself. Business accounts and reviewers use it to add attendees.
    While a previous hash key is configured a number matches under either key (the
    current one first), so teachers not yet rehashed are still found."""
    if not numbers or len(numbers) > MAX_LOOKUP:
        raise invalid("invalid-lookup", "The lookup is not valid",
                      f"send between 1 and {MAX_LOOKUP} national IDs")
    vault = vault_for(runtime)
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
    with runtime.database.session() as session:
        found = AccountRepository(session).teachers_by_hash(
            [h for hashes in candidates for h in hashes])
    for index, hashes in enumerate(candidates):
        if not hashes:
            continue
        teacher = next((found[h] for h in hashes if h in found), None)
        answers[index] = {"found": False} if teacher is None else {
            "found": True, "account_id": teacher.account_id, "login": teacher.login,
            "display_name": teacher.display_name, "unit_code": teacher.unit_code}
    return answers


def export_national_ids(runtime: Runtime, principal: Principal, account_ids: list[uuid.UUID],
                        reason: str) -> dict[str, Any]:
    """Operators only (the route says so); every teacher exported is an audit row — who,
    when, whose, why — written in the same transaction as the read."""
    reason = " ".join(reason.split())
    if len(reason) < 10:
        raise invalid("reason-required", "A reason is required",
                      "say why the national IDs are needed (at least 10 characters)")
    ids = list(dict.fromkeys(account_ids))
    if not ids or len(ids) > MAX_EXPORT:
        raise invalid("invalid-export", "The export is not valid",
                      f"name between 1 and {MAX_EXPORT} teachers")
    vault = vault_for(runtime)
    export_id, now = uuid.uuid4(), dates.now()
    with runtime.database.session() as session:
        accounts = AccountRepository(session)
        teachers = []
        for account_id in ids:
            account = accounts.get(account_id)
            sealed = accounts.sealed_national_id(account_id) if account else None
            if account is None or account.kind != TEACHER or sealed is None:
                raise Problem(404, "unknown-teacher", "No such teacher", f"teacher {account_id}")
            try:
                number = vault.open(str(account.account_id), sealed)
            except UnknownKey as error:
                raise Problem(500, "national-id-unreadable", "A national ID cannot be decrypted",
                              str(error), account_id=str(account_id)) from None
            teachers.append({"account_id": account.account_id, "login": account.login,
                             "display_name": account.display_name, "national_id": number})
        ExportAudit(session).record(export_id, ids, principal.subject, now, reason)
    return {"export_id": export_id, "exported_at": now, "teachers": teachers}


def export_audit(runtime: Runtime, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    with runtime.database.session() as session:
        return ExportAudit(session).list(limit, offset)


