"""Partner sites through their lifecycle (R-SSO-2), each step one transaction with its
history row. Disabling takes effect at once: the client stops signing in (authorize,
token, refresh and userinfo all read its status), every grant it holds is revoked, and
a partner that registered a back-channel logout URI is told for each of them.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from servicekit.problems import Problem, conflict, not_found
from services.sso.adapters.digests import digest, new_token
from services.sso.adapters.repository import ClientRepository
from services.sso.adapters.sector_documents import SectorDocumentError
from services.sso.adapters.tables.clients import client_history
from services.sso.adapters.tables.grants import grants
from services.sso.dependencies import SsoDependencies
from services.sso.domain.clients import (
    APPROVED,
    DISABLED,
    ENABLED,
    TESTING,
    Client,
    ClientError,
    check_sector_document,
    validate_registration,
)
from services.sso.handlers.backchannel import deliver_after_commit, queue_logout
from services.sso.handlers.issuing import revoke_grant


def register(sso: SsoDependencies, client: Client, by: str,
             secret: str | None = None) -> tuple[Client, str | None]:
    """The registered client and its secret (shown once; only its digest is kept)."""
    try:
        client = validate_registration(client)
        if client.sector_identifier_uri:
            check_sector_document(client, sso.sector_documents.redirect_uris(
                client.sector_identifier_uri))
    except (ClientError, SectorDocumentError) as error:
        raise Problem(422, "invalid-client", "The client registration is not valid",
                      str(error)) from None
    if not client.public:
        secret = secret or new_token()
        client = replace(client, secret_hash=digest(secret))
    else:
        secret = None
    with sso.database.session() as session:
        repository = ClientRepository(session)
        if repository.get(client.client_id) is not None:
            raise conflict("client-exists", "A client with this id exists", client.client_id)
        repository.add(client, sso.clock.now())
        _history(session, sso, client, by, "registered")
    return client, secret


def find(sso: SsoDependencies, client_id: str) -> Client:
    with sso.database.session() as session:
        client = ClientRepository(session).get(client_id)
    if client is None:
        raise not_found(f"no client {client_id}")
    return client


def all_clients(sso: SsoDependencies) -> list[Client]:
    with sso.database.session() as session:
        return ClientRepository(session).all()


def start_testing(sso: SsoDependencies, client_id: str, by: str) -> Client:
    return _move(sso, client_id, TESTING, by)


def approve(sso: SsoDependencies, client_id: str, by: str, reference: str, approved_on: date) -> Client:
    return _move(sso, client_id, APPROVED, by, note=reference, approval_reference=reference,
                 approved_on=approved_on)


def enable(sso: SsoDependencies, client_id: str, by: str) -> Client:
    return _move(sso, client_id, ENABLED, by)


def disable(sso: SsoDependencies, client_id: str, by: str, disabled_on: date, reason: str) -> Client:
    return _move(sso, client_id, DISABLED, by, note=reason, disabled_on=disabled_on,
                 disabled_reason=reason, after=lambda session, sso_, moved: deliver_after_commit(
                     session, sso_, _end_grants(session, sso_, moved)))


def new_secret(sso: SsoDependencies, client_id: str, by: str) -> str:
    secret = new_token()
    with sso.database.session() as session:
        repository = ClientRepository(session)
        client = repository.get(client_id)
        if client is None:
            raise not_found(f"no client {client_id}")
        if client.public:
            raise Problem(422, "public-client", "A public client has no secret")
        changed = replace(client, secret_hash=digest(secret), version=client.version + 1)
        if not repository.save(changed, client.version):
            raise conflict("client-changed", "The client changed meanwhile; try again")
        _history(session, sso, changed, by, "new secret")
    return secret


def _move(sso: SsoDependencies, client_id: str, status: str, by: str, note: str | None = None,
          after: Any = None, **changes: Any) -> Client:
    with sso.database.session() as session:
        repository = ClientRepository(session)
        client = repository.get(client_id)
        if client is None:
            raise not_found(f"no client {client_id}")
        try:
            moved = client.moved_to(status, **changes)
        except ClientError as error:
            raise conflict("invalid-transition", "This step is not possible now",
                           str(error)) from None
        if not repository.save(moved, client.version):
            raise conflict("client-changed", "The client changed meanwhile; try again")
        _history(session, sso, moved, by, note)
        if after is not None:
            after(session, sso, moved)
    return moved


def _end_grants(session: Session, sso: SsoDependencies, client: Client) -> list[int | None]:
    rows = session.execute(select(grants.c.grant_id, grants.c.account_id, grants.c.sid).where(
        grants.c.client_id == client.client_id, grants.c.revoked_at.is_(None))).all()
    deliveries = []
    for row in rows:
        revoke_grant(session, sso, row.grant_id, "partner-disabled")
        deliveries.append(queue_logout(session, sso, client, row.account_id, row.sid))
    return deliveries


def _history(session: Session, sso: SsoDependencies, client: Client, by: str, note: str | None) -> None:
    session.execute(insert(client_history).values(
        client_id=client.client_id, status=client.status, at=sso.clock.now(), by=by[:64],
        note=(note or "")[:500] or None))


def history(sso: SsoDependencies, client_id: str) -> list[dict[str, Any]]:
    find(sso, client_id)
    with sso.database.session() as session:
        rows = session.execute(select(client_history).where(
            client_history.c.client_id == client_id).order_by(client_history.c.id)).all()
    return [{"status": r.status, "at": r.at, "by": r.by, "note": r.note} for r in rows]
