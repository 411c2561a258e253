"""The platform's API as the web client sees it: the gateway, over HTTP, like any client.

One pooled ``requests`` session per process. The person's access token goes in the
``Authorization`` header, read from the server-side session by the caller; nothing here
keeps it. Answers come back whole (``Answer``); the gateway or a service being down or
not answering is ``ApiUnavailable``, which the pages turn into a page that says so.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

# What the gateway answers when a service behind it is down (gateway/proxy.py).
UNAVAILABLE_STATUSES = frozenset({502, 503, 504})


class ApiUnavailable(Exception):
    """The platform's API did not answer, or said a service behind it is down."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any = None  # the JSON, when it is JSON
    content: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def problem_type(self) -> str:
        """The problem+json ``type``'s last part (``course-full``), or ''."""
        if isinstance(self.body, dict):
            return str(self.body.get("type", "")).rsplit(":", 1)[-1]
        return ""

    def field_errors(self) -> dict[str, str]:
        """A 422's ``errors`` per field, each as one line of text."""
        errors = self.body.get("errors") if isinstance(self.body, dict) else None
        return {str(name): _one_line(messages) for name, messages in (errors or {}).items()}


def _one_line(messages: Any) -> str:
    if isinstance(messages, list):
        return "; ".join(_one_line(message) for message in messages)
    if isinstance(messages, dict):
        return "; ".join(f"{key}: {_one_line(value)}" for key, value in messages.items())
    return str(messages)


class PlatformApi:
    def __init__(self, gateway_url: str, timeout: float) -> None:
        self._base = gateway_url.rstrip("/")
        self._timeout = timeout
        self._local = threading.local()

    @property
    def _session(self) -> requests.Session:
        # One per thread: requests' sessions are not documented as thread-safe.
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False
            self._local.session = session
        return session

    def call(self, method: str, path: str, token: str | None = None,
             params: Any = None, json: Any = None, data: Any = None, files: Any = None,
             headers: Mapping[str, str] | None = None,
             timeout: float | None = None) -> Answer:
        """``path``: the public one, ``/api/courses/…`` or ``/oauth/token``; ``timeout``:
        longer than the usual wait for a call known to take long (a large file checked)."""
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        try:
            response = self._session.request(method, self._base + path, params=params,
                                             json=json, data=data, files=files, headers=sent,
                                             timeout=timeout or self._timeout,
                                             allow_redirects=False)
        except requests.RequestException as error:
            raise ApiUnavailable(str(error)) from None
        if response.status_code in UNAVAILABLE_STATUSES:
            raise ApiUnavailable(f"{method} {path}: {response.status_code}")
        body = None
        if "json" in response.headers.get("Content-Type", ""):
            try:
                body = response.json()
            except ValueError:
                body = None
        return Answer(response.status_code, body, response.content, dict(response.headers))

    def get(self, path: str, token: str | None = None, **kwargs: Any) -> Answer:
        return self.call("GET", path, token, **kwargs)

    def post(self, path: str, token: str | None = None, **kwargs: Any) -> Answer:
        return self.call("POST", path, token, **kwargs)
