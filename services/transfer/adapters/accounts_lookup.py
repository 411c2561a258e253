"""Teachers resolved to accounts through the accounts service's bulk lookup
(``POST /teachers/lookups``, at most 1,000 IDs a call), called with the transfer
service's own token (the secret setting ``ACCOUNTS_LOOKUP_TOKEN``). The IDs travel only
in the request body over the service network and are never stored or logged here."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import requests

from servicekit.errors import Unavailable

CHUNK = 1000


class AccountsLookup:
    def __init__(self, base_url: str, token: Callable[[], str], timeout: float = 10.0) -> None:
        self.url = base_url.rstrip("/") + "/teachers/lookups"
        self._token, self._timeout = token, timeout

    def account_ids(self, teacher_ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(teacher_ids), CHUNK):
            chunk = list(teacher_ids[start:start + CHUNK])
            try:
                response = requests.post(self.url, json={"national_ids": chunk},
                                         timeout=self._timeout,
                                         headers={"Authorization": f"Bearer {self._token()}"})
                response.raise_for_status()
                answers = response.json()
            except (requests.RequestException, ValueError):
                raise Unavailable("accounts-unavailable", "Teachers cannot be looked up now",
                                  "the accounts service did not answer; send again later",
                                  retry_after=60) from None
            for number, answer in zip(chunk, answers, strict=True):
                if isinstance(answer, dict) and answer.get("account_id"):
                    found[number] = str(answer["account_id"])
        return found
