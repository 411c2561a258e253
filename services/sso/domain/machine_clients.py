"""Machine clients: outside systems that call the platform server to server with OAuth 2.0
client credentials (RFC 6749 4.4). Each reporting system of the transfer service (a
*source*, R-TRF-1) is one; its token names the source and carries only the ``transfer``
scope, for the transfer service's audience alone, so it opens nothing else of the platform.

The platform's own services are machine clients too (*service clients*): the transfer
service resolves teachers through the accounts service's bulk lookup with a token of its
own. A service client is ``service-<service>``; it is kept in the same table, its
``source`` column holding ``service:<service>`` (a colon, which no source code has), and
its token carries the scopes ``SERVICE_GRANTS`` names for it, for the audience of the
service it calls, and no ``source`` claim — so no source's token opens the lookup and
no service's token opens a push.

A machine client has one secret in force at a time. A handover (R-TRF-8) sets a moment:
the old maintainer's secret stops then and the new maintainer's starts then, never both
at once and never neither (``secret_in_force``).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

TRANSFER_SCOPE = "transfer"
MACHINE_SCOPES = (TRANSFER_SCOPE,)
ENABLED, DISABLED = "enabled", "disabled"
SOURCE_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
CLIENT_PREFIX = "source-"
SERVICE_PREFIX, SERVICE_MARK = "service-", "service:"
ACCOUNTS_LOOKUP_SCOPE = "accounts.teachers.lookup"
ACCOUNTS = "accounts"


@dataclass(frozen=True)
class ServiceGrant:
    """What a platform service's own token may do: its scopes, for one service's audience."""
    scopes: tuple[str, ...]
    audience_of: str


# The platform's service clients and what each may ask for; nothing else is registered.
SERVICE_GRANTS = {"transfer": ServiceGrant((ACCOUNTS_LOOKUP_SCOPE,), ACCOUNTS)}


class MachineClientError(ValueError):
    """A registration or handover that is not allowed; the message says why."""


def client_id_for(source: str) -> str:
    """One machine client per source, named after it (a source is never renamed)."""
    if not SOURCE_CODE.match(source):
        raise MachineClientError("source: 2–32 lower-case letters, digits and dashes")
    return CLIENT_PREFIX + source


def service_client(service: str) -> MachineClient:
    """The platform service's own machine client (``SERVICE_GRANTS``)."""
    if service not in SERVICE_GRANTS:
        raise MachineClientError(f"a service client is one of {sorted(SERVICE_GRANTS)}")
    return MachineClient(SERVICE_PREFIX + service, SERVICE_MARK + service,
                         f"the {service} service")


@dataclass(frozen=True)
class MachineClient:
    client_id: str
    source: str
    name: str
    status: str = ENABLED

    @property
    def issues_tokens(self) -> bool:
        return self.status == ENABLED

    @property
    def service(self) -> str | None:
        """The platform service a service client acts for; None for a source's client."""
        if self.source.startswith(SERVICE_MARK):
            return self.source[len(SERVICE_MARK):]
        return None


@dataclass(frozen=True)
class MachineSecret:
    """A secret's SHA-256 digest and the half-open span ``[valid_from, valid_until)`` in
    which it opens the token endpoint, with the maintainer it was issued to."""
    secret_id: int
    client_id: str
    secret_hash: str
    maintainer: str
    valid_from: datetime
    valid_until: datetime | None = None

    def in_force(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_until is None or at < self.valid_until)


def secret_in_force(secrets: Iterable[MachineSecret], at: datetime) -> MachineSecret | None:
    return next((secret for secret in secrets if secret.in_force(at)), None)


def check_handover(current: MachineSecret | None, at: datetime, now: datetime) -> None:
    """A handover is set for now or later, after the current secret started, and only one
    may be pending at a time (the current secret has no end yet)."""
    if at < now.replace(microsecond=0):
        raise MachineClientError("a handover is set for now or a later moment")
    if current is None:
        raise MachineClientError("the client has no secret in force to hand over")
    if current.valid_until is not None:
        raise MachineClientError("a handover is already set for this client")
    if at <= current.valid_from:
        raise MachineClientError("a handover must come after the current secret started")


def granted_scopes(requested: str | None,
                   client: MachineClient | None = None) -> tuple[str, ...]:
    """The scopes of a machine token: a source's ``transfer``, a service client's those
    of its grant, whether asked for or not; asking for any other is refused (RFC 6749 5.2
    ``invalid_scope``)."""
    service = client.service if client is not None else None
    allowed = SERVICE_GRANTS[service].scopes if service in SERVICE_GRANTS else MACHINE_SCOPES
    asked = set((requested or "").split())
    if not asked <= set(allowed):
        raise MachineClientError(f"this machine client may ask only for {allowed}")
    return allowed
