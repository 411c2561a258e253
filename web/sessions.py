"""Sessions kept on the server: the browser holds only an opaque id in an HttpOnly,
SameSite=Lax cookie (Secure in production); tokens never reach it.

The store is SQLite in the embedded default and Redis in production (``WEB_SESSION_STORE``),
so every web process sees the same sessions. The id is 256 random bits; a sign-in gives
the session a new id (no fixation), and an emptied session is deleted, cookie and row.
"""
from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

COOKIE_NAME = "inservice_session"
_ID_LENGTH = 43  # token_urlsafe(32)
_TOUCH_SECONDS = 300


class SessionStore(Protocol):
    def load(self, session_id: str) -> dict[str, Any] | None: ...
    def save(self, session_id: str, data: dict[str, Any], seconds: int) -> None: ...
    def delete(self, session_id: str) -> None: ...
    def lock(self, session_id: str) -> AbstractContextManager[object]:
        """Held while a session's tokens are refreshed, by every process sharing the store."""
        ...


class _ProcessLocks:
    """One lock per session id, for a store only this process uses (the embedded default)."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, threading.Lock] = weakref.WeakValueDictionary()
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, session_id: str) -> Iterator[object]:
        with self._guard:
            lock = self._locks.get(session_id)
            if lock is None:
                lock = threading.Lock()
                self._locks[session_id] = lock
        with lock:
            yield lock


class SqliteStore:
    """One file; each process opens its own connection per thread."""

    def __init__(self, path: Path, clock: Any = time.time) -> None:
        self._path = path
        self._clock = clock
        self._local = threading.local()
        self._locks = _ProcessLocks()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as connection:
            connection.execute("CREATE TABLE IF NOT EXISTS web_sessions (id TEXT PRIMARY KEY, "
                               "data TEXT NOT NULL, expires_at REAL NOT NULL)")

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self._path, timeout=10, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            self._local.connection = connection
        return connection

    def load(self, session_id: str) -> dict[str, Any] | None:
        row = self._connection().execute(
            "SELECT data FROM web_sessions WHERE id = ? AND expires_at > ?",
            (session_id, self._clock())).fetchone()
        return json.loads(row[0]) if row else None

    def save(self, session_id: str, data: dict[str, Any], seconds: int) -> None:
        connection = self._connection()
        now = self._clock()
        connection.execute("INSERT INTO web_sessions (id, data, expires_at) VALUES (?, ?, ?) "
                           "ON CONFLICT (id) DO UPDATE SET data = excluded.data, "
                           "expires_at = excluded.expires_at",
                           (session_id, json.dumps(data), now + seconds))
        # Expired rows go a few at a time, so the file never grows without bound.
        connection.execute("DELETE FROM web_sessions WHERE id IN (SELECT id FROM web_sessions "
                           "WHERE expires_at <= ? LIMIT 20)", (now,))

    def delete(self, session_id: str) -> None:
        self._connection().execute("DELETE FROM web_sessions WHERE id = ?", (session_id,))

    def lock(self, session_id: str) -> AbstractContextManager[object]:
        return self._locks.hold(session_id)


class RedisStore:
    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)

    def load(self, session_id: str) -> dict[str, Any] | None:
        raw = self._redis.get(f"web:session:{session_id}")
        return json.loads(raw) if raw else None

    def save(self, session_id: str, data: dict[str, Any], seconds: int) -> None:
        self._redis.set(f"web:session:{session_id}", json.dumps(data), ex=seconds)

    def delete(self, session_id: str) -> None:
        self._redis.delete(f"web:session:{session_id}")

    def lock(self, session_id: str) -> AbstractContextManager[object]:
        return self._redis.lock(f"web:refresh:{session_id}", timeout=15, blocking_timeout=15)

    def ping(self) -> None:
        self._redis.ping()


def store_for(url: str) -> SessionStore:
    if url.startswith("sqlite:///"):
        return SqliteStore(Path(url.removeprefix("sqlite:///")))
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url)
    raise ValueError(f"WEB_SESSION_STORE = {url!r}: sqlite:///<file> or redis://… expected")


class ServerSession(CallbackDict[str, Any], SessionMixin):
    def __init__(self, session_id: str, data: dict[str, Any] | None = None,
                 new: bool = False) -> None:
        def changed(_: object) -> None:
            self.modified = True

        super().__init__(data or {}, changed)
        self.session_id = session_id
        self.new = new
        self.modified = False
        self.previous_id: str | None = None

    def renew(self) -> None:
        """A new id for the same data: at sign-in, so an id planted before is worth nothing."""
        if self.previous_id is None:
            self.previous_id = self.session_id
        self.session_id = new_id()
        self.modified = True


def new_id() -> str:
    return secrets.token_urlsafe(32)


class ServerSessionInterface(SessionInterface):
    def __init__(self, store: SessionStore, seconds: int, secure: bool) -> None:
        self.store = store
        self.seconds = seconds
        self.secure = secure

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        session_id = request.cookies.get(COOKIE_NAME, "")
        if len(session_id) == _ID_LENGTH:
            data = self.store.load(session_id)
            if data is not None:
                return ServerSession(session_id, data)
        return ServerSession(new_id(), new=True)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        if session.previous_id is not None:
            self.store.delete(session.previous_id)
        if not session:
            if not session.new:
                self.store.delete(session.session_id)
                response.delete_cookie(COOKIE_NAME, path="/", secure=self.secure,
                                       httponly=True, samesite="Lax")
            return
        # An unchanged session is written again at most every few minutes (so a page's
        # files cost no write): an active session stays alive as long as it is used.
        now = time.time()
        if not session.modified and now - float(session.get("_saved_at", 0)) < _TOUCH_SECONDS:
            return
        session["_saved_at"] = now
        self.store.save(session.session_id, dict(session), self.seconds)
        response.set_cookie(COOKIE_NAME, session.session_id, max_age=self.seconds, path="/",
                            secure=self.secure, httponly=True, samesite="Lax")
        response.vary.add("Cookie")
