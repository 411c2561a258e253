"""Machine clients of the transfer service's sources: registration, handover, disabling
(operators), and the client-credentials grant (RFC 6749 4.4) at the token endpoint.

A machine token is short-lived and stateless: no grant, no refresh token, no id token.
It names the source (``source``; ``sub`` is the client id), carries the ``transfer``
scope only and is for the transfer audience (``SSO_TRANSFER_AUDIENCE``), which neither the
gateway nor any other service accepts. Disabling a client stops its secrets at once;
tokens already out end within ``SSO_ACCESS_TOKEN_SECONDS``.

A platform service's own client (``service-<service>``, domain ``SERVICE_GRANTS``) is
registered by a command with the secret that service is configured with
(``ensure_service_client``); its token carries its grant's scopes for the audience of the
service it calls (``SSO_ACCOUNTS_AUDIENCE`` for the accounts service), and no source.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from servicekit.clock import Clock
from servicekit.errors import Conflict, Invalid, NotFound
from services.sso.adapters.digests import digest, digest_matches, new_token
from services.sso.adapters.keys import KeyStore
from services.sso.adapters.unit_of_work import SsoWork
from services.sso.config import SsoConfig
from services.sso.domain.machine_clients import (
    DISABLED,
    SERVICE_GRANTS,
    MachineClient,
    MachineClientError,
    check_handover,
    client_id_for,
    granted_scopes,
    secret_in_force,
    service_client,
)
from services.sso.handlers.client_auth import OAuthError, client_credentials, invalid_client

log = logging.getLogger("sso.machine_clients")
CLIENT_CREDENTIALS = "client_credentials"


def _invalid(error: MachineClientError) -> Invalid:
    return Invalid("invalid-machine-client", "The machine client request is not valid",
                   str(error))


@dataclass(frozen=True)
class MachineClients:
    unit_of_work: Callable[[], SsoWork]
    clock: Clock

    def register(self, source: str, name: str, maintainer: str,
                 by: str) -> tuple[MachineClient, str]:
        """The client and its first secret (shown once; only its digest is kept)."""
        try:
            client = MachineClient(client_id_for(source), source, name)
        except MachineClientError as error:
            raise _invalid(error) from None
        secret, now = new_token(), self.clock.now()
        with self.unit_of_work() as uow:
            if uow.machine_clients.by_source(source) is not None:
                raise Conflict("machine-client-exists", "The source has a machine client",
                               source)
            uow.machine_clients.add(client, now, by)
            uow.machine_clients.add_secret(client.client_id, digest(secret), maintainer, now,
                                           now, by)
        log.info("machine client registered", extra={"client_id": client.client_id,
                                                      "maintainer": maintainer, "by": by})
        return client, secret

    def handover(self, client_id: str, at: datetime, maintainer: str, by: str) -> str:
        """The new maintainer's secret, in force from ``at``; the old one stops then."""
        secret, now = new_token(), self.clock.now()
        with self.unit_of_work() as uow:
            client = self._get(uow, client_id)
            if not client.issues_tokens:
                raise Conflict("machine-client-disabled", "The client is disabled", client_id)
            current = secret_in_force(uow.machine_clients.secrets(client_id), now)
            try:
                check_handover(current, at, now)
            except MachineClientError as error:
                raise _invalid(error) from None
            assert current is not None  # check_handover refused otherwise
            if not uow.machine_clients.end_secret(current.secret_id, at):
                raise Conflict("handover-exists", "A handover is already set", client_id)
            uow.machine_clients.add_secret(client_id, digest(secret), maintainer, at, now, by)
        log.info("machine client handover set", extra={
            "client_id": client_id, "from_maintainer": current.maintainer,
            "to_maintainer": maintainer, "at": at.isoformat(), "by": by})
        return secret

    def disable(self, client_id: str, by: str) -> MachineClient:
        now = self.clock.now()
        with self.unit_of_work() as uow:
            client = self._get(uow, client_id)
            uow.machine_clients.set_status(client_id, DISABLED)
            uow.machine_clients.end_all(client_id, now)
        log.info("machine client disabled", extra={"client_id": client_id, "by": by})
        return MachineClient(client.client_id, client.source, client.name, DISABLED)

    def ensure_service_client(self, service: str, secret: str, by: str) -> dict[str, Any]:
        """The platform service's own client, with ``secret`` in force from now: registered
        when missing, its secret replaced when another is in force (the previous one stops
        now, logged), left as it is otherwise. Run at every set-up, it is a no-op once
        done."""
        try:
            client = service_client(service)
        except MachineClientError as error:
            raise _invalid(error) from None
        if len(secret) < 32:
            raise Invalid("weak-secret", "The service client's secret is too short",
                          "a service client's secret has at least 32 characters")
        now = self.clock.now()
        registered = replaced = False
        enabled = True
        with self.unit_of_work() as uow:
            found = uow.machine_clients.get(client.client_id)
            if found is None:
                uow.machine_clients.add(client, now, by)
                uow.machine_clients.add_secret(client.client_id, digest(secret), client.name,
                                               now, now, by)
                registered = True
            else:
                current = secret_in_force(uow.machine_clients.secrets(client.client_id), now)
                if current is None or not digest_matches(secret, current.secret_hash):
                    uow.machine_clients.end_all(client.client_id, now)
                    uow.machine_clients.add_secret(client.client_id, digest(secret),
                                                   client.name, now, now, by)
                    replaced = True
                enabled = found.issues_tokens
        if registered or replaced:
            log.info("service client registered" if registered else
                     "service client secret replaced",
                     extra={"client_id": client.client_id, "by": by})
        return {"client_id": client.client_id, "registered": registered,
                "secret_replaced": replaced, "enabled": enabled}

    def find(self, client_id: str) -> tuple[MachineClient, list[dict[str, Any]]]:
        with self.unit_of_work() as uow:
            return self._get(uow, client_id), uow.machine_clients.log(client_id)

    def all(self) -> list[MachineClient]:
        with self.unit_of_work() as uow:
            return uow.machine_clients.all()

    @staticmethod
    def _get(uow: SsoWork, client_id: str) -> MachineClient:
        client = uow.machine_clients.get(client_id)
        if client is None:
            raise NotFound(f"no machine client {client_id}")
        return client


def issue_token(uow: SsoWork, config: SsoConfig, keys: KeyStore, clock: Clock,
                form: Mapping[str, str], authorization: str | None) -> dict[str, Any]:
    """The client-credentials grant: the secret in force now, of an enabled client."""
    client_id, secret, basic = client_credentials(form, authorization)
    now = clock.now()
    with uow:
        client = uow.machine_clients.get(client_id)
        in_force = secret_in_force(uow.machine_clients.secrets(client.client_id), now) \
            if client is not None else None
    if client is None or in_force is None or not client.issues_tokens or \
            not digest_matches(secret or "", in_force.secret_hash):
        raise invalid_client("unknown client or wrong credentials", basic)
    try:
        scopes = granted_scopes(form.get("scope"), client)
    except MachineClientError as error:
        raise OAuthError("invalid_scope", str(error)) from None
    lifetime = config.access_token_seconds
    issued = int(time.time())
    claims: dict[str, Any] = {
        "iss": config.issuer, "sub": client.client_id, "iat": issued,
        "exp": issued + lifetime, "jti": new_token(16), "client_id": client.client_id,
        "scope": " ".join(scopes), "roles": []}
    service = client.service
    if service is None:
        claims.update(aud=config.transfer_audience, source=client.source)
    elif service in SERVICE_GRANTS:
        claims.update(aud=config.service_audiences[SERVICE_GRANTS[service].audience_of],
                      service=service)
    else:  # a service no longer granted anything
        raise invalid_client("unknown client or wrong credentials", basic)
    token = keys.signer().sign(claims, typ="at+jwt")
    return {"access_token": token, "token_type": "Bearer", "expires_in": lifetime,
            "scope": " ".join(scopes)}
