"""Use cases on authorities: reference data (R-ORG-1) that migrations seed and this
announces to the other services, once per version."""
from __future__ import annotations

from contracts.events.accounts import AUTHORITY_REGISTERED
from servicekit.service import Runtime
from services.accounts.adapters.unit_of_work import AccountsUnitOfWork
from services.accounts.domain.authorities import AUTHORITIES, Authority
from services.accounts.handlers.events import authority_data


def list_authorities(uow: AccountsUnitOfWork) -> list[Authority]:
    with uow:
        return uow.authorities.all()


def seed_reference_data(runtime: Runtime) -> dict[str, int]:
    """Every mode: brings the authorities in line with the reference list (a renamed
    bureau gets a new version) and announces each version not yet announced. Running it
    again changes nothing and records no event. (Run by ``migrate``: the runtime is its
    composition root.)"""
    uow: AccountsUnitOfWork = runtime.components.unit_of_work()
    with uow:
        repository = uow.authorities
        changed = sum(repository.upsert(authority) for authority in AUTHORITIES)
        announced = 0
        for authority in repository.unannounced():
            uow.record(AUTHORITY_REGISTERED, authority_data(authority))
            repository.mark_announced(authority)
            announced += 1
    return {"changed": changed, "announced": announced}
