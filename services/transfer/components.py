"""The transfer service's own dependencies, built once per runtime
(``runtime.components``): its unit of work, the teacher directory, the verifier of the
sources' machine tokens, and its settings."""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from functools import cached_property

import requests

from servicekit.mail import smtp_mailer
from servicekit.service import Runtime
from servicekit.settings import InvalidSetting
from servicekit.tokens import JwksKeySource, TokenVerifier
from services.transfer.adapters.accounts_lookup import LOOKUP_SCOPE, AccountsLookup
from services.transfer.adapters.file_vault import FileVault, file_vault
from services.transfer.adapters.service_token import CLIENT_ID, ServiceToken
from services.transfer.adapters.unit_of_work import TransferUnitOfWork
from services.transfer.handlers.ports import Mailer, TeacherDirectory
from services.transfer.handlers.uploads import FileRules, ReadAtUpload

FREEZE_DATE = "2012-12-31"  # R-TRF-5: the seed's freeze
MAX_UPLOAD_MB = 50
RETENTION_DAYS = 90  # files and reports holding national IDs: a quarter, then deleted
PUSH_SILENCE_DAYS = 3  # a daily-push source silent longer than this is late (R-TRF-6)
SILENT_SINCE = "2013-01-01"  # the seed's cut-off: sources silent since are archived
# An upload still queued or processing this long after it was made lost its job to a
# restart (a 50 MB file takes minutes; one process takes files one at a time).
INTERRUPTED_UPLOAD_MINUTES = 120


class TransferComponents:
    def __init__(self, runtime: Runtime[TransferComponents]) -> None:
        self._runtime = runtime

    def unit_of_work(self) -> TransferUnitOfWork:
        return TransferUnitOfWork(self._runtime.database, self._runtime.outbox)

    @cached_property
    def directory(self) -> TeacherDirectory:
        """The accounts service's lookup, with this service's own token from sso."""
        settings = self._runtime.settings
        session = requests.Session()
        token = ServiceToken(settings.service_urls["sso"].rstrip("/") + "/oauth/token",
                             CLIENT_ID, lambda: settings.secret("SERVICE_CLIENT_SECRET"),
                             LOOKUP_SCOPE, session)
        return AccountsLookup(settings.service_urls["accounts"], token, session)

    @cached_property
    def mailer(self) -> Mailer:
        """SMTP for the findings' mails: TRANSFER_SMTP_* (or SMTP_*)."""
        return smtp_mailer(self._runtime.settings)

    @cached_property
    def machine_tokens(self) -> TokenVerifier:
        """Sources' tokens: client credentials from sso for the transfer audience
        (``TRANSFER_AUDIENCE``), the platform API's verifier never takes them."""
        settings = self._runtime.settings
        audience = settings.value("TRANSFER_AUDIENCE", "inservice-transfer")
        return TokenVerifier(settings.token_issuer, audience, JwksKeySource(settings.jwks_url))

    @cached_property
    def freeze_date(self) -> date:
        return self._day("FREEZE_DATE", FREEZE_DATE)

    @cached_property
    def silent_since(self) -> date:
        """``TRANSFER_SILENT_SINCE``: production sources silent since are archived."""
        return self._day("SILENT_SINCE", SILENT_SINCE)

    @cached_property
    def silence_days(self) -> int:
        """``TRANSFER_PUSH_SILENCE_DAYS``: days a daily-push source may send nothing."""
        return self._runtime.settings.positive_int("PUSH_SILENCE_DAYS", PUSH_SILENCE_DAYS)

    @cached_property
    def interrupted_after(self) -> timedelta:
        return timedelta(minutes=self._runtime.settings.positive_int(
            "INTERRUPTED_UPLOAD_MINUTES", INTERRUPTED_UPLOAD_MINUTES))

    def _day(self, name: str, default: str) -> date:
        text = self._runtime.settings.value(name, default) or default
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise InvalidSetting(f"TRANSFER_{name} is a day, YYYY-MM-DD") from None

    @cached_property
    def file_rules(self) -> FileRules:
        settings = self._runtime.settings
        return FileRules(settings.positive_int("TRANSFER_MAX_UPLOAD_MB", MAX_UPLOAD_MB) * 2**20,
                         settings.positive_int("TRANSFER_FILE_RETENTION_DAYS", RETENTION_DAYS),
                         self.freeze_date)

    @cached_property
    def vault(self) -> FileVault:
        """In production a missing ``TRANSFER_FILE_KEY`` stops the first use."""
        return file_vault(self._runtime.settings)

    @cached_property
    def read_at_upload(self) -> ReadAtUpload:
        """Each upload's tables, from its request to its background job (this process)."""
        return ReadAtUpload()

    @cached_property
    def _pool(self) -> ThreadPoolExecutor:
        # One file at a time per web process: a file's chunks already keep a core busy.
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="transfer-files")

    def in_background(self, work: Callable[[], None]) -> None:
        self._pool.submit(work)
