"""What keeps a unit test a unit test: while a ``NoIO`` guard is on, opening a socket
(connect, bind, sendto), a database connection (SQLAlchemy, psycopg, sqlite3) or a
process (subprocess, os.system, os.fork) raises ``IOInUnitTest`` and is recorded.

Recorded as well as raised: code under test that catches every exception (a retry loop, a
health check) would otherwise swallow the refusal, and the test would pass while doing I/O.
The test's runner reads ``violations`` and fails the test with them.

Threads that were running when the guard went on (a server another test left serving, a
worker's own threads) are let through: the guard is about what the test does, and those
are not its doing. A thread the test starts is held like the test itself.

pytest-socket does the socket part by replacing ``socket.socket`` with a class that cannot
be made; that also stops threads that are not the test's (a server's ``accept`` makes a
socket), and it cannot see libpq, whose connections psycopg opens in C. Hence this guard,
which wraps the calls that reach out instead of the constructor.
"""
from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Engine


class IOInUnitTest(RuntimeError):
    """A unit test reached out of its process. Not an ``OSError``, so that code written to
    survive a refused connection does not take this for one."""


class NoIO:
    """``with NoIO() as guard: …``, then ``guard.violations``: one line per refused call."""

    def __init__(self, advice: str = "") -> None:
        self.advice = advice
        self.violations: list[str] = []
        self._exempt: set[threading.Thread] = set()
        self._undo: list[Callable[[], None]] = []

    # -- on and off ---------------------------------------------------------------------------
    def __enter__(self) -> NoIO:
        main = threading.main_thread()
        self._exempt = {thread for thread in threading.enumerate() if thread is not main}
        current = threading.current_thread()
        self._exempt.discard(current)
        for owner, name, what in _GUARDED:
            self._wrap(owner, name, what)
        for owner, name, what in _optional_targets():
            self._wrap(owner, name, what)
        return self

    def __exit__(self, *exc_info: object) -> None:
        while self._undo:
            self._undo.pop()()

    def _wrap(self, owner: Any, name: str, what: Callable[..., str]) -> None:
        # A class's own attribute is put back as it was (a classmethod stays one); an
        # inherited one (socket.socket's connect is _socket.socket's) is shadowed, then removed.
        own = name in vars(owner)
        original = vars(owner)[name] if own else getattr(owner, name)
        if isinstance(original, classmethod):
            function = original.__func__

            def refuse_class(cls: type, *args: Any, **kwargs: Any) -> Any:
                self._refuse(what(*args, **kwargs))
                return function(cls, *args, **kwargs)
            replacement: Any = classmethod(refuse_class)
        else:
            def refuse(*args: Any, **kwargs: Any) -> Any:
                self._refuse(what(*args, **kwargs))
                return original(*args, **kwargs)
            replacement = refuse
        setattr(owner, name, replacement)
        self._undo.append(lambda: setattr(owner, name, original) if own else delattr(owner, name))

    def _refuse(self, description: str) -> None:
        if threading.current_thread() in self._exempt:
            return
        self.violations.append(description)
        raise IOInUnitTest(f"a unit test {description}{self.advice}")


def _address(args: tuple[Any, ...]) -> str:
    return repr(args[1]) if len(args) > 1 else "?"


def _socket_call(verb: str) -> Callable[..., str]:
    def describe(*args: Any, **kwargs: Any) -> str:
        return f"opened a network socket: {verb}({_address(args)})"
    return describe


def _database(*args: Any, **kwargs: Any) -> str:
    target = args[0] if args else kwargs.get("conninfo") or kwargs.get("database") or "?"
    url = getattr(target, "url", target)
    if hasattr(url, "render_as_string"):
        return f"opened a database connection: {url.render_as_string(hide_password=True)}"
    hidden = re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", str(url))
    return f"opened a database connection: {hidden}"


def _process(*args: Any, **kwargs: Any) -> str:
    command = kwargs.get("args", args[1] if len(args) > 1 else args[0] if args else "?")
    return f"started a process: {command!r}"


def _fork(*args: Any, **kwargs: Any) -> str:
    return "forked the test process"


# (owner, attribute, description of a call): the doors out of the process.
_GUARDED: list[tuple[Any, str, Callable[..., str]]] = [
    (socket.socket, "connect", _socket_call("connect")),
    (socket.socket, "connect_ex", _socket_call("connect_ex")),
    (socket.socket, "bind", _socket_call("bind")),
    (socket.socket, "sendto", _socket_call("sendto")),
    (Engine, "connect", _database),
    (Engine, "raw_connection", _database),
    (sqlite3, "connect", _database),
    (subprocess.Popen, "__init__", _process),
    (os, "system", _process),
    (os, "fork", _fork),
]


def _optional_targets() -> Iterator[tuple[Any, str, Callable[..., str]]]:
    """psycopg's own ``connect`` (libpq in C, under no Python socket): when installed."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - a dependency of the platform
        return
    yield (psycopg.Connection, "connect", _database)
    yield (psycopg, "connect", _database)


@contextmanager
def no_io(advice: str = "") -> Iterator[NoIO]:
    with NoIO(advice) as guard:
        yield guard
