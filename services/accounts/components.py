"""The accounts service's own dependencies, built once per runtime (``runtime.components``):
its unit of work for each use case, and the national-ID vault, made on first use so that
processes that never touch a national ID (the relay) start without the keys."""
from __future__ import annotations

from functools import cached_property

from servicekit.service import Runtime
from servicekit.tokens import JwksKeySource, TokenVerifier
from services.accounts.adapters.national_id_vault import NationalIdVault, national_id_vault
from services.accounts.adapters.unit_of_work import AccountsUnitOfWork


class AccountsComponents:
    def __init__(self, runtime: Runtime[AccountsComponents]) -> None:
        self._runtime = runtime

    def unit_of_work(self) -> AccountsUnitOfWork:
        """A new one per use case (single use per ``with``)."""
        return AccountsUnitOfWork(self._runtime.database, self._runtime.outbox)

    @cached_property
    def vault(self) -> NationalIdVault:
        """In production a missing key stops the first use with MissingSecret."""
        return national_id_vault(self._runtime.settings)

    @cached_property
    def service_tokens(self) -> TokenVerifier:
        """The platform services' own tokens (client credentials from sso, service
        clients) for this service's audience ``ACCOUNTS_AUDIENCE`` (default
        ``inservice-accounts``), which the platform API's verifier never takes."""
        settings = self._runtime.settings
        audience = settings.value("ACCOUNTS_AUDIENCE", "inservice-accounts")
        return TokenVerifier(settings.token_issuer, audience or "inservice-accounts",
                             JwksKeySource(settings.jwks_url))
