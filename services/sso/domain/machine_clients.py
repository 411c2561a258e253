"""Machine clients: outside systems that call the platform server to server with OAuth 2.0
client credentials (RFC 6749 4.4). Each reporting system of the transfer service (a
*source*, R-TRF-1) is one; its token names the source and carries only the ``transfer``
scope, for the transfer service's audience alone, so it opens nothing else of the platform.

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


class MachineClientError(ValueError):
    """A registration or handover that is not allowed; the message says why."""


def client_id_for(source: str) -> str:
    """One machine client per source, named after it (a source is never renamed)."""
    if not SOURCE_CODE.match(source):
        raise MachineClientError("source: 2–32 lower-case letters, digits and dashes")
    return CLIENT_PREFIX + source


@dataclass(frozen=True)
class MachineClient:
    client_id: str
    source: str
    name: str
    status: str = ENABLED

    @property
    def issues_tokens(self) -> bool:
        return self.status == ENABLED


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


def granted_scopes(requested: str | None) -> tuple[str, ...]:
    """The scopes of a machine token: ``transfer`` whether asked for or not; asking for
    any other is refused (RFC 6749 5.2 ``invalid_scope``)."""
    asked = set((requested or "").split())
    if not asked <= set(MACHINE_SCOPES):
        raise MachineClientError(f"a machine client may ask only for {MACHINE_SCOPES}")
    return MACHINE_SCOPES
