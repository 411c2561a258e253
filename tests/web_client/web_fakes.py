"""Stand-ins for the web client's tests through Flask's test client: the platform's API
(answers by method and path, every call recorded), the sso as OpenID provider, and a
session store in memory. No socket, no database."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from jose import jwt

from web.api import Answer, ApiUnavailable
from web.oidc import PendingSignIn, SignInFailed, Tokens

Reply = Answer | Callable[..., Answer]


@dataclass
class Call:
    method: str
    path: str
    token: str | None
    params: Any = None
    json: Any = None
    data: Any = None
    files: Any = None
    headers: Any = None
    timeout: Any = None


@dataclass
class FakeApi:
    replies: dict[tuple[str, str], Reply] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    down: bool = False

    def answer(self, method: str, path: str, reply: Reply) -> None:
        self.replies[(method, path)] = reply

    def call(self, method: str, path: str, token: str | None = None, params: Any = None,
             json: Any = None, data: Any = None, files: Any = None,
             headers: Any = None, timeout: Any = None) -> Answer:
        if files:  # read it as the real client would, while the request is open
            files = {name: (item[0], item[1].read(), item[2]) for name, item in files.items()}
        self.calls.append(Call(method, path, token, params, json, data, files, headers,
                               timeout))
        if self.down:
            raise ApiUnavailable("connection refused")
        reply = self.replies.get((method, path))
        if reply is None:
            if path.startswith("/api/courses/vocabularies/"):
                return Answer(200, [])
            return Answer(404, {"type": "urn:inservice:problem:not-found"})
        return reply(self.calls[-1]) if callable(reply) else reply

    def get(self, path: str, token: str | None = None, **kwargs: Any) -> Answer:
        return self.call("GET", path, token, **kwargs)

    def post(self, path: str, token: str | None = None, **kwargs: Any) -> Answer:
        return self.call("POST", path, token, **kwargs)

    def to(self, method: str, path: str) -> list[Call]:
        return [call for call in self.calls if (call.method, call.path) == (method, path)]


def access_token(roles: list[str], sub: str = "account-1", unit: str | None = None,
                 authority: str | None = None, serial: int = 0) -> str:
    claims: dict[str, Any] = {"sub": sub, "roles": roles, "jti": f"t{serial}"}
    if unit:
        claims["unit"] = unit
    if authority:
        claims["authority"] = authority
    return jwt.encode(claims, "not-checked-here", algorithm="HS256")


@dataclass
class FakeProvider:
    """The sso as the web client sees it (web.oidc.OidcProvider's calls)."""
    roles: list[str] = field(default_factory=lambda: ["teacher"])
    unit: str | None = None
    authority: str | None = None
    lifetime: float = 300.0
    refresh_fails: bool = False
    codes: dict[str, str] = field(default_factory=dict)  # code -> challenge expected
    refreshed: int = 0
    pending: list[PendingSignIn] = field(default_factory=list)

    def authorize_url(self, pending: PendingSignIn, language: str) -> str:
        self.pending.append(pending)
        return "http://sso.test/oauth/authorize?" + urlencode({
            "state": pending.state, "code_challenge": pending.challenge,
            "code_challenge_method": "S256", "ui_locales": language})

    def issue_code(self) -> tuple[str, str]:
        """What the sso sends the browser back with: a code and the state."""
        pending = self.pending[-1]
        code = f"code-{len(self.codes)}"
        self.codes[code] = pending.challenge
        return code, pending.state

    def exchange(self, code: str, pending: PendingSignIn) -> Tokens:
        if self.codes.pop(code, None) != pending.challenge:
            raise SignInFailed("invalid_grant")
        return self._tokens()

    def refresh(self, tokens: Tokens) -> Tokens:
        if self.refresh_fails:
            raise SignInFailed("invalid_grant")
        self.refreshed += 1
        return self._tokens()

    def end_session_url(self, id_token: str | None) -> str:
        return "http://sso.test/logout?" + urlencode({"id_token_hint": id_token or ""})

    def _tokens(self) -> Tokens:
        return Tokens(access_token(self.roles, unit=self.unit, authority=self.authority,
                                   serial=self.refreshed),
                      f"refresh-{self.refreshed}", "id-token", time.time() + self.lifetime)


class MemoryStore:
    def __init__(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}

    def load(self, session_id: str) -> dict[str, Any] | None:
        found = self.sessions.get(session_id)
        return dict(found) if found is not None else None

    def save(self, session_id: str, data: dict[str, Any], seconds: int) -> None:
        self.sessions[session_id] = dict(data)

    def delete(self, session_id: str) -> None:
        self.sessions.pop(session_id, None)

    @contextmanager
    def lock(self, session_id: str) -> Iterator[None]:
        yield
