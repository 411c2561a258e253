"""County web services that check a county account's credentials (R-SSO-4 (a)).

Each county's service speaks its own dialect; an adapter per dialect turns it into one
answer: the county's subject for the person and the profile fields it sent, or nothing.
A county whose service speaks a new dialect gets a new class in ``ADAPTERS``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import requests


@dataclass(frozen=True)
class CountyIdentity:
    county_code: str
    subject: str  # the county's own identifier of the person (kept only as a keyed digest)
    profile: dict[str, Any] = field(default_factory=dict)  # display_name, email, unit_code


class CountyUnavailable(Exception):
    """The county's service did not give a usable answer (down, slow, malformed)."""


class CountyAdapter(Protocol):
    def check(self, username: str, password: str) -> CountyIdentity | None: ...


class JsonWebService:
    """``json-v1``: ``POST <endpoint>`` with ``{"username", "password"}`` and the API key
    as a bearer token; the answer is ``{"authenticated": false}`` or
    ``{"authenticated": true, "subject": "...", "profile": {"name", "email", "school_code"}}``."""

    PROFILE_FIELDS: ClassVar[Mapping[str, str]] = {"name": "display_name", "email": "email", "school_code": "unit_code"}

    def __init__(self, county_code: str, endpoint: str, api_key: str | None,
                 timeout: float) -> None:
        self.county_code, self.endpoint = county_code, endpoint
        self._api_key, self._timeout = api_key, timeout

    def check(self, username: str, password: str) -> CountyIdentity | None:
        headers = {"Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        try:
            response = requests.post(self.endpoint, headers=headers, timeout=self._timeout,
                                     json={"username": username, "password": password},
                                     allow_redirects=False)
            answer = response.json() if response.status_code == 200 else None
        except (requests.RequestException, ValueError) as error:
            raise CountyUnavailable(f"{self.county_code}: {type(error).__name__}") from None
        if not isinstance(answer, dict) or not isinstance(answer.get("authenticated"), bool):
            raise CountyUnavailable(f"{self.county_code}: HTTP {response.status_code}")
        if not answer["authenticated"]:
            return None
        subject = answer.get("subject")
        if not isinstance(subject, str) or not subject or len(subject) > 255:
            raise CountyUnavailable(f"{self.county_code}: no subject in the answer")
        profile_sent = answer.get("profile")
        sent = profile_sent if isinstance(profile_sent, dict) else {}
        profile = {ours: sent[theirs] for theirs, ours in self.PROFILE_FIELDS.items()
                   if isinstance(sent.get(theirs), str)}
        return CountyIdentity(self.county_code, subject, profile)


ADAPTERS: dict[str, type] = {"json-v1": JsonWebService}
