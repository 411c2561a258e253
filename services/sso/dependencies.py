"""The sso service's own dependencies (its settings, keys, sealer, mailer, throttle, token
verifiers…), in the kit's typed components slot: ``DEFINITION`` builds one per runtime
(``ServiceDefinition(components=SsoDependencies)``) and the edge reaches it as
``runtime.components``. Building it touches no file, database or network; each part is
made on first use."""
from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from servicekit.clock import Clock
from servicekit.mail import SmtpMailer
from servicekit.problems import Problem
from servicekit.tokens import OneOfVerifiers, Principal, TokenVerifier, userinfo_verifier
from services.sso.adapters.keys import KeyStore
from services.sso.adapters.name_digests import NameDigests
from services.sso.adapters.passwords import Passwords
from services.sso.adapters.sealed_secrets import SealedSecrets
from services.sso.adapters.sealing import Sealer
from services.sso.adapters.sector_documents import SectorDocuments
from services.sso.adapters.throttle import Throttle
from services.sso.adapters.unit_of_work import SsoUnitOfWork, SsoWork
from services.sso.config import SsoConfig
from services.sso.handlers.backchannel import LOGOUT_TOKEN_SECONDS, LogoutSender
from services.sso.handlers.credentials import Checking
from services.sso.handlers.grant_queries import GrantQueries
from services.sso.handlers.issuing import Issuer
from services.sso.handlers.machine_clients import MachineClients
from services.sso.handlers.partners import Partners
from services.sso.handlers.password_mails import Mailing
from services.sso.handlers.sign_outs import SignOut

if TYPE_CHECKING:
    from servicekit.service import Runtime
    from services.sso.handlers.authorize import Authorizer


class SsoDependencies:
    def __init__(self, runtime: Runtime[SsoDependencies]) -> None:
        self.runtime = runtime
        self.database = runtime.database
        self.outbox = runtime.outbox
        self.config = SsoConfig(runtime.settings)
        self._verifiers: dict[tuple[str, int], TokenVerifier] = {}
        self._upstreams: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def clock(self) -> Clock:
        """The runtime's one clock (a test sets ``runtime.clock``)."""
        return self.runtime.clock

    def unit_of_work(self) -> SsoUnitOfWork:
        """A new unit of work (one transaction per ``with``)."""
        return SsoUnitOfWork(self.database, self.outbox)

    # What the use cases take, made on each use: a test that sets ``runtime.clock``
    # is seen at once.
    @property
    def logout_sender(self) -> LogoutSender:
        return LogoutSender(self.unit_of_work, self.keys, self.config, self.clock)

    @property
    def issuer(self) -> Issuer:
        return Issuer(self.config, self.clock)

    @property
    def authorizer(self) -> Authorizer:
        # Imported here: the sign-in records it reaches still import this module.
        from services.sso.handlers.authorize import Authorizer
        return Authorizer(self.unit_of_work, self.config, self.clock)

    @property
    def grant_queries(self) -> GrantQueries:
        return GrantQueries(self.unit_of_work, self.config, self.clock,
                            self.verified_access_token)

    @property
    def partners(self) -> Partners:
        return Partners(self.unit_of_work, self.clock,
                        self.sector_documents.redirect_uris, self.logout_sender)

    @property
    def machine_clients(self) -> MachineClients:
        return MachineClients(self.unit_of_work, self.clock)

    def joining(self, session: Session) -> SsoUnitOfWork:
        """The repositories on a transaction someone else opened (the consumer's)."""
        return SsoUnitOfWork.joining(session, self.database, self.outbox)

    @cached_property
    def sealed_secrets(self) -> SealedSecrets:
        return SealedSecrets(self.database)

    @cached_property
    def sealer(self) -> Sealer:
        return Sealer(self.config.key_encryption_secret,
                      self.config.retired_key_encryption_secrets)

    @cached_property
    def keys(self) -> KeyStore:
        longest = max(self.config.access_token_seconds, self.config.id_token_seconds,
                      LOGOUT_TOKEN_SECONDS)
        return KeyStore(self.database, lambda: self.sealer, self.config.key_size,
                        self.config.key_publish_ahead_seconds, longest, clock=self.clock)

    @cached_property
    def name_digests(self) -> NameDigests:
        return NameDigests(self.config.pairwise_secret)

    @property
    def checking(self) -> Checking:
        """What checking a password uses besides a unit of work (on the runtime's clock of
        the moment: a test may set another)."""
        return Checking(self.passwords, self.throttle, self.name_digests, self.clock)

    @property
    def mailing(self) -> Mailing:
        """What sending password mails uses."""
        return Mailing(self.unit_of_work, self.mailer, self.clock, self.config.url)

    @property
    def sign_out(self) -> SignOut:
        """Ends every sign-in of an account in the caller's unit of work."""
        from services.sso.handlers.sessions import end_sign_ins  # it reaches back here
        logouts = self.logout_sender

        def end(uow: SsoWork, account_id: str, reason: str,
                keeping_grant: str | None = None) -> None:
            end_sign_ins(uow, logouts, account_id, reason, keeping_grant=keeping_grant)
        return end

    @cached_property
    def sector_documents(self) -> SectorDocuments:
        return SectorDocuments(self.config.outgoing_timeout_seconds)

    @cached_property
    def passwords(self) -> Passwords:
        return Passwords(self.config.argon2)

    @cached_property
    def throttle(self) -> Throttle:
        c = self.config
        return Throttle(self.database, c.lockout_attempts, c.lockout_window_seconds,
                        c.lockout_seconds, clock=self.clock)

    @cached_property
    def mailer(self) -> SmtpMailer:
        c = self.config
        return SmtpMailer(c.smtp_host, c.smtp_port, c.smtp_sender, c.smtp_username,
                          c.smtp_password, c.smtp_starttls, c.outgoing_timeout_seconds)

    @cached_property
    def api_verifier(self) -> TokenVerifier:
        """The strict verifier of the kit, on this service's own keys, for the API: the
        platform's own clients' tokens only, as everywhere else on the platform."""
        c = self.config
        return TokenVerifier(c.issuer, c.api_audience, self.keys, clients=c.platform_clients)

    @cached_property
    def access_token_verifier(self) -> OneOfVerifiers:
        """For the access tokens clients hand back (userinfo, introspection, revocation):
        a partner's, made for userinfo, or one of the platform's own clients'."""
        return userinfo_verifier(self.api_verifier, self.keys)

    def verified_access_token(self, token: str) -> Principal | None:
        """The access token's principal (``access_token_verifier``), or None if refused."""
        try:
            return self.access_token_verifier.verify(token)
        except Problem:
            return None

    def verified_hint(self, client_id: str, hint: str) -> dict[str, Any] | None:
        """The claims of an id token hint for ``client_id`` (``hint_verifier``), or None."""
        try:
            return dict(self.hint_verifier(client_id).verify(hint).claims)
        except Problem:
            return None

    def hint_verifier(self, client_id: str) -> TokenVerifier:
        """For id tokens a client hands back: the client is the audience, and an expired
        hint is still accepted within ``logout_hint_max_age_seconds`` (RP-Initiated
        Logout 1.0, 2: the session may have outlived the id token)."""
        return self._verifier(client_id, self.config.logout_hint_max_age_seconds)

    def _verifier(self, audience: str, leeway: int) -> TokenVerifier:
        key = (audience, leeway)
        with self._lock:
            if key not in self._verifiers:
                if len(self._verifiers) > 1000:  # audiences come from requests: bounded
                    self._verifiers.clear()
                self._verifiers[key] = TokenVerifier(self.config.issuer, audience, self.keys,
                                                     leeway=leeway)
            return self._verifiers[key]

    def upstream_provider(self, key: str, build: Callable[[], Any]) -> Any:
        """One upstream client per county and process: it caches the county's discovery
        document and JWKS."""
        with self._lock:
            if key not in self._upstreams:
                self._upstreams[key] = build()
            return self._upstreams[key]
