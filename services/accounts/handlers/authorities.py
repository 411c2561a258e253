"""Use cases on authorities: reference data (R-ORG-1) that migrations seed and this
announces to the other services, once per version."""
from __future__ import annotations

from contracts.events.accounts import AUTHORITY_REGISTERED
from servicekit.service import Runtime
from services.accounts.adapters.organisations import AuthorityRepository
from services.accounts.domain.authorities import AUTHORITIES, Authority
from services.accounts.handlers.events import authority_data


def list_authorities(runtime: Runtime) -> list[Authority]:
    with runtime.database.session() as session:
        return AuthorityRepository(session).all()


def seed_reference_data(runtime: Runtime) -> dict[str, int]:
    """Every mode: brings the authorities in line with the reference list (a renamed
    bureau gets a new version) and announces each version not yet announced. Running it
    again changes nothing and records no event."""
    with runtime.database.session() as session:
        repository = AuthorityRepository(session)
        changed = sum(repository.upsert(authority) for authority in AUTHORITIES)
        announced = 0
        for authority in repository.unannounced():
            runtime.outbox.record(session, AUTHORITY_REGISTERED, authority_data(authority))
            repository.mark_announced(authority)
            announced += 1
    return {"changed": changed, "announced": announced}
