"""Partner sites through their lifecycle (R-SSO-2), each step one transaction with its
history row. Disabling takes effect at once: the client stops signing in (authorize,
token, refresh and userinfo all read its status), every grant it holds is revoked, and
a partner that registered a back-channel logout URI is told for each of them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from servicekit.clock import Clock
from servicekit.errors import Conflict, Invalid, NotFound
from services.sso.adapters.digests import digest, new_token
from services.sso.adapters.sector_documents import SectorDocumentError
from services.sso.adapters.unit_of_work import SsoWork
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
from services.sso.handlers.backchannel import LogoutSender

SectorDocuments = Callable[[str], list[str]]  # a sector identifier URI → its redirect URIs


def _client_changed() -> Conflict:
    return Conflict("client-changed", "The client changed meanwhile; try again")


@dataclass(frozen=True)
class Partners:
    """What the partner lifecycle takes: a unit of work per transaction, the clock, the
    reader of sector identifier documents, and the sender of back-channel logouts."""
    unit_of_work: Callable[[], SsoWork]
    clock: Clock
    sector_documents: SectorDocuments
    logouts: LogoutSender

    def register(self, client: Client, by: str,
                 secret: str | None = None) -> tuple[Client, str | None]:
        """The registered client and its secret (shown once; only its digest is kept)."""
        try:
            client = validate_registration(client)
            if client.sector_identifier_uri:
                check_sector_document(client, self.sector_documents(
                    client.sector_identifier_uri))
        except (ClientError, SectorDocumentError) as error:
            raise Invalid("invalid-client", "The client registration is not valid",
                          str(error)) from None
        if not client.public:
            secret = secret or new_token()
            client = replace(client, secret_hash=digest(secret))
        else:
            secret = None
        with self.unit_of_work() as uow:
            if uow.clients.get(client.client_id) is not None:
                raise Conflict("client-exists", "A client with this id exists",
                               client.client_id)
            uow.clients.add(client, self.clock.now())
            self._history(uow, client, by, "registered")
        return client, secret

    def find(self, client_id: str) -> Client:
        with self.unit_of_work() as uow:
            client = uow.clients.get(client_id)
        if client is None:
            raise NotFound(f"no client {client_id}")
        return client

    def all_clients(self) -> list[Client]:
        with self.unit_of_work() as uow:
            return uow.clients.all()

    def start_testing(self, client_id: str, by: str) -> Client:
        return self._move(client_id, TESTING, by)

    def approve(self, client_id: str, by: str, reference: str, approved_on: date) -> Client:
        return self._move(client_id, APPROVED, by, note=reference,
                          approval_reference=reference, approved_on=approved_on)

    def enable(self, client_id: str, by: str) -> Client:
        return self._move(client_id, ENABLED, by)

    def disable(self, client_id: str, by: str, disabled_on: date, reason: str) -> Client:
        return self._move(client_id, DISABLED, by, note=reason, disabled_on=disabled_on,
                          disabled_reason=reason, after=self._end_grants)

    def new_secret(self, client_id: str, by: str) -> str:
        secret = new_token()
        with self.unit_of_work() as uow:
            client = uow.clients.get(client_id)
            if client is None:
                raise NotFound(f"no client {client_id}")
            if client.public:
                raise Invalid("public-client", "A public client has no secret")
            changed = replace(client, secret_hash=digest(secret), version=client.version + 1)
            if not uow.clients.save(changed, client.version):
                raise _client_changed()
            self._history(uow, changed, by, "new secret")
        return secret

    def history(self, client_id: str) -> list[dict[str, Any]]:
        self.find(client_id)
        with self.unit_of_work() as uow:
            return uow.clients.history(client_id)

    def _move(self, client_id: str, status: str, by: str, note: str | None = None,
              after: Callable[[SsoWork, Client], None] | None = None,
              **changes: Any) -> Client:
        with self.unit_of_work() as uow:
            client = uow.clients.get(client_id)
            if client is None:
                raise NotFound(f"no client {client_id}")
            try:
                moved = client.moved_to(status, **changes)
            except ClientError as error:
                raise Conflict("invalid-transition", "This step is not possible now",
                               str(error)) from None
            if not uow.clients.save(moved, client.version):
                raise _client_changed()
            self._history(uow, moved, by, note)
            if after is not None:
                after(uow, moved)
        return moved

    def _end_grants(self, uow: SsoWork, client: Client) -> None:
        deliveries = []
        for grant in uow.grants.live_of(client_id=client.client_id):
            uow.grants.revoke(grant.grant_id, self.clock.now(), "partner-disabled")
            deliveries.append(self.logouts.queue(uow, client, grant.account_id, grant.sid))
        self.logouts.deliver_after_commit(uow, deliveries)

    def _history(self, uow: SsoWork, client: Client, by: str, note: str | None) -> None:
        uow.clients.add_history(client.client_id, client.status, self.clock.now(), by[:64],
                                (note or "")[:500] or None)
