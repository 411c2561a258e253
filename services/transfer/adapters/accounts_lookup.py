"""Teachers resolved to accounts through the accounts service's lookup for services
(``POST /teachers/service-lookups``, at most 1,000 IDs a call), called with the transfer
service's own token (``ServiceToken``: client credentials from sso, scope
``accounts.teachers.lookup``, the accounts service's audience) over one
``requests.Session``. The IDs travel only in the request body over the service network
and are never stored or logged here."""
from __future__ import annotations

from collections.abc import Sequence

import requests

from servicekit.errors import Unavailable
from services.transfer.adapters.service_token import ServiceToken

CHUNK = 1000
LOOKUP_SCOPE = "accounts.teachers.lookup"


class AccountsLookup:
    def __init__(self, base_url: str, token: ServiceToken, session: requests.Session,
                 timeout: float = 10.0) -> None:
        self.url = base_url.rstrip("/") + "/teachers/service-lookups"
        self._token, self._session, self._timeout = token, session, timeout

    def account_ids(self, teacher_ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(teacher_ids), CHUNK):
            chunk = list(teacher_ids[start:start + CHUNK])
            for number, answer in zip(chunk, self._ask(chunk), strict=True):
                if isinstance(answer, dict) and answer.get("account_id"):
                    found[number] = str(answer["account_id"])
        return found

    def _ask(self, chunk: list[str]) -> list[object]:
        for attempt in (1, 2):
            try:
                response = self._session.post(
                    self.url, json={"national_ids": chunk}, timeout=self._timeout,
                    headers={"Authorization": f"Bearer {self._token()}"})
                if response.status_code == 401 and attempt == 1:
                    self._token.forget()  # expired early, or sso's key changed: a new one
                    continue
                response.raise_for_status()
                answers = response.json()
                if isinstance(answers, list) and len(answers) == len(chunk):
                    return answers
            except (requests.RequestException, ValueError):
                pass
            break
        raise Unavailable("accounts-unavailable", "Teachers cannot be looked up now",
                          "the accounts service did not answer; send again later",
                          retry_after=60)
