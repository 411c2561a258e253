"""Sources through onboarding (R-TRF-1, R-TRF-7): operators register a source, record
its steps and move it on; each step and move is one transaction, with who and when."""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from servicekit.clock import Clock
from servicekit.errors import ApplicationError, Conflict, Invalid, NotFound
from servicekit.tokens import Principal
from services.transfer.adapters.unit_of_work import TransferUnitOfWork
from services.transfer.domain.sources import (
    PRODUCTION,
    Source,
    SourceError,
    SourceStateError,
    Step,
    contact,
    new_source,
)
from services.transfer.handlers.scope import check_reads

log = logging.getLogger("transfer.sources")


def _refused(error: SourceError) -> ApplicationError:
    """The rule broken, as its own problem type: 409 when the source's state refuses, 422
    when what was sent does; the field it concerns in ``errors`` (the house's way)."""
    facts: dict[str, Any] = dict(error.facts)
    if error.field is not None:
        facts["errors"] = {error.field: [error.detail]}
    kind = Conflict if isinstance(error, SourceStateError) else Invalid
    return kind(error.slug, error.title, error.detail, **facts)


def register(uow: TransferUnitOfWork, clock: Clock, code: str, name: str, owner_unit: str,
             mode: str, contact_email: str | None = None) -> Source:
    try:
        source = new_source(code, name, owner_unit, mode, contact_email)
    except SourceError as error:
        raise _refused(error) from None
    with uow:
        if uow.sources.get(code) is not None:
            raise Conflict("source-exists", "A source with this code exists", code)
        uow.sources.add(source, clock.now())
    return source


def record_step(uow: TransferUnitOfWork, clock: Clock, principal: Principal, code: str,
                step: str, reference: str | None) -> Source:
    with uow:
        source = _get(uow, code)
        try:
            changed = source.with_step(Step(step, principal.subject, clock.now(), reference))
        except SourceError as error:
            raise _refused(error) from None
        _save(uow, source, changed)
    return changed


def move(uow: TransferUnitOfWork, clock: Clock, principal: Principal, code: str,
         state: str) -> Source:
    """Opening production drops what the source sent in test (it never counted); an
    archived source is sealed for good."""
    with uow:
        source = _get(uow, code)
        try:
            changed = source.moved_to(state, principal.subject, clock.now())
        except SourceError as error:
            raise _refused(error) from None
        _save(uow, source, changed)
        if state == PRODUCTION:
            uow.records.drop_trial(code)
    return changed


def set_contact(uow: TransferUnitOfWork, principal: Principal, code: str,
                email: str | None) -> Source:
    """The address the source's findings are mailed to (its maintainer at the owner
    unit): set by the network's staff or the owner unit's business accounts; another
    unit's source is answered as unknown."""
    try:
        kept = contact(email)
    except SourceError as error:
        raise _refused(error) from None
    with uow:
        source = check_reads(principal, uow.sources.get(code), code)
        uow.sources.set_contact(code, kept)
    log.info("source contact set", extra={"source": code, "by": principal.subject})
    return replace(source, contact_email=kept)


def grant_freeze_exception(uow: TransferUnitOfWork, clock: Clock, principal: Principal,
                           code: str, course_key: str, reference: str) -> dict:
    """R-TRF-5: an operator lets one course of a source be added or changed although it
    starts on or before the freeze date; the decision's reference is kept with who and
    when."""
    with uow:
        _get(uow, code)
        if not uow.exceptions.grant(code, course_key, reference, principal.subject,
                                    clock.now()):
            raise Conflict("exception-exists", "The course has an exception already",
                           course_key)
    return {"source": code, "source_course_key": course_key, "reference": reference}


def read(uow: TransferUnitOfWork, principal: Principal, code: str) -> tuple[Source, dict]:
    with uow:
        source = check_reads(principal, uow.sources.get(code), code)
        return source, uow.records.counts(code)


def monthly_counts(uow: TransferUnitOfWork, principal: Principal,
                   code: str) -> list[dict]:
    with uow:
        check_reads(principal, uow.sources.get(code), code)
        return uow.records.monthly(code)


def stated_counts(uow: TransferUnitOfWork, principal: Principal,
                  code: str) -> list[dict]:
    """The monthly counts the source stated for its audits (R-TRF-11), newest month first,
    each with who stated them and when; read by whoever reads the source."""
    with uow:
        check_reads(principal, uow.sources.get(code), code)
        return uow.audits.stated(code)


def listing(uow: TransferUnitOfWork, principal: Principal) -> list[Source]:
    staff = principal.has_any_role("operator", "admin")
    if not staff and not (principal.has_any_role("business") and principal.unit):
        return []
    with uow:
        unit = None if staff else principal.unit
        found = [uow.sources.get(code) for code in uow.sources.codes(unit)]
    return [source for source in found if source is not None]


def _get(uow: TransferUnitOfWork, code: str) -> Source:
    source = uow.sources.get(code)
    if source is None:
        raise NotFound(f"no source {code}")
    return source


def _save(uow: TransferUnitOfWork, before: Source, after: Source) -> None:
    if not uow.sources.save(before, after):
        raise Conflict("source-changed", "The source changed meanwhile; try again", before.code)
