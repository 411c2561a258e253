"""Writing many teachers in the import's one transaction: COPY on PostgreSQL (an update
goes through a temporary table and one UPDATE … FROM), one executemany elsewhere.
On PostgreSQL ``create`` returns while the server is still storing what it was sent (a
thread feeds the COPY), so the import checks its next rows meanwhile; ``settle`` waits
for the server, and must come before any other statement on the session.
Imports take one lock for their transaction, so two never create the same teacher twice
(the unique hash index would stop the second anyway). Known teachers are read without
row locks — locking marks every row, and an unchanged re-send must write nothing — so an
update applies only to the version it was computed from; a teacher changed meanwhile (by
hand, by a county's profile) fails the import with ConcurrentChange, to be sent again."""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from datetime import date, datetime
from types import TracebackType
from typing import NamedTuple, Protocol

from psycopg import Copy
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from servicekit import copy_text
from servicekit.db import advisory_xact_lock
from servicekit.dml import rows_changed
from services.accounts.adapters.accounts_repo import AccountRepository
from services.accounts.adapters.national_id_vault import Sealed
from services.accounts.adapters.orm import accounts, teacher_past_schools
from services.accounts.domain.accounts import ENABLED, TEACHER
from services.accounts.domain.teachers import KnownTeacher, TeacherChange


class NewTeacher(NamedTuple):
    """A row to write (a named tuple: an import makes 100,000 of them, and a frozen
    dataclass costs four times as much to make)."""
    account_id: str
    login: str
    lookup_hash: bytes
    sealed: Sealed
    display_name: str
    email: str | None
    unit_code: str
    school_since: date


# One import at a time: each reads the teachers it will change before it writes.
TEACHERS_LOCK = "accounts.teachers"


class ConcurrentChange(RuntimeError):
    pass


class TeacherWriter(Protocol):
    """A context manager: leaving it with an error abandons a write still under way, so
    the session can roll back."""
    def __enter__(self) -> TeacherWriter: ...
    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None: ...
    def lock(self) -> None: ...
    def existing(self, hashes: list[bytes]) -> dict[bytes, KnownTeacher]: ...
    def create(self, teachers: Iterable[NewTeacher], at: datetime) -> list[NewTeacher]:
        """Consumes ``teachers`` as it writes them (the database works while the rest
        are made) and returns them, maybe before the database has stored them all."""
    def settle(self) -> None:
        """Waits until the database has stored what ``create`` sent: the session is free
        for other statements."""
    def update(self, changes: list[tuple[str, TeacherChange]], at: datetime) -> None: ...


def writer_for(session: Session) -> TeacherWriter:
    if session.connection().dialect.name == "postgresql":
        return PostgresTeacherWriter(session)
    return PortableTeacherWriter(session)


class PortableTeacherWriter:
    def __init__(self, session: Session) -> None:
        self.session = session

    def __enter__(self) -> PortableTeacherWriter:
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def settle(self) -> None:
        """Every write here is done when it returns."""

    def lock(self) -> None:
        """SQLite: the transaction began IMMEDIATE and holds the write lock already."""

    def existing(self, hashes: list[bytes]) -> dict[bytes, KnownTeacher]:
        return AccountRepository(self.session).teachers_by_hash(hashes)

    def create(self, teachers: Iterable[NewTeacher], at: datetime) -> list[NewTeacher]:
        teachers = list(teachers)
        if not teachers:
            return teachers
        self.session.execute(insert(accounts), [{
            "account_id": uuid.UUID(t.account_id), "login": t.login, "kind": TEACHER,
            "status": ENABLED, "display_name": t.display_name, "email": t.email,
            "unit_code": t.unit_code, "school_since": t.school_since,
            "national_id_hash": t.lookup_hash, "national_id_ciphertext": t.sealed.ciphertext,
            "national_id_key_id": t.sealed.key_id, "version": 1, "created_at": at,
            "updated_at": at} for t in teachers])
        return teachers

    def update(self, changes: list[tuple[str, TeacherChange]], at: datetime) -> None:
        if not changes:
            return
        result = self.session.execute(
            update(accounts).where(accounts.c.account_id == bindparam("b_id"),
                                   accounts.c.version == bindparam("b_version") - 1).values(
                display_name=bindparam("b_name"), email=bindparam("b_email"),
                unit_code=bindparam("b_unit"), school_since=bindparam("b_since"),
                version=bindparam("b_version"), updated_at=at),
            [{"b_id": uuid.UUID(account_id), "b_name": c.display_name, "b_email": c.email,
              "b_unit": c.unit_code, "b_since": c.school_since, "b_version": c.version}
             for account_id, c in changes])
        updated = rows_changed(result)
        if updated != len(changes):
            raise ConcurrentChange(f"{len(changes) - updated} teachers changed meanwhile")
        moved = [{"account_id": uuid.UUID(account_id), "unit_code": c.left_school,
                  "since": c.left_since, "until": c.school_since}
                 for account_id, c in changes if c.moved]
        if moved:
            self.session.execute(insert(teacher_past_schools), moved)


_LINES_PER_WRITE = 2000
_CREATE_COLUMNS = ("account_id", "login", "kind", "status", "display_name", "email", "unit_code",
                   "school_since", "national_id_hash", "national_id_ciphertext",
                   "national_id_key_id", "version", "created_at", "updated_at")


class PostgresTeacherWriter:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.raw = copy_text.raw_connection(session.connection())
        self._copying: ExitStack | None = None  # a COPY the server may still be storing
        self._copy: Copy | None = None

    def __enter__(self) -> PostgresTeacherWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        """With an error: the COPY under way ends failed (CopyFail), so the session's
        rollback finds the connection free."""
        copying, self._copying, self._copy = self._copying, None, None
        if copying is not None:
            copying.__exit__(kind, error, trace)

    def settle(self) -> None:
        copying, self._copying, self._copy = self._copying, None, None
        if copying is not None:
            copying.close()  # waits for the feeding thread, then for the server's answer

    def lock(self) -> None:
        self.settle()
        advisory_xact_lock(self.session, TEACHERS_LOCK)

    def existing(self, hashes: list[bytes]) -> dict[bytes, KnownTeacher]:
        self.settle()
        if not hashes:
            return {}
        # One bytea of all the hashes, cut up by the server: sending an array of 100,000
        # values costs more in psycopg than the whole lookup costs in PostgreSQL.
        rows = self.raw.execute(
            "SELECT national_id_hash, account_id, login, status, display_name, email, unit_code, "
            "school_since, version FROM accounts WHERE national_id_hash IN ("
            "SELECT substring(%(all)s::bytea FROM i * 32 + 1 FOR 32) "
            "FROM generate_series(0, %(count)s - 1) AS i)",
            {"all": b"".join(hashes), "count": len(hashes)}).fetchall()
        return {bytes(row[0]): KnownTeacher(str(row[1]), *row[2:]) for row in rows}

    def create(self, teachers: Iterable[NewTeacher], at: datetime) -> list[NewTeacher]:
        """Continues the COPY a call before opened, if nothing has settled it since: an
        import's chunks stream into one COPY, and the server never waits between them."""
        written: list[NewTeacher] = []
        iterator = iter(teachers)
        first = next(iterator, None)
        if first is None:
            return written
        moment = at.isoformat()
        # Every column the same for every row of the batch, after the e-mail and unit code.
        constant = f"\t{TEACHER}\t{ENABLED}\t"
        copy = self._copy or self._open_copy()
        lines: list[str] = []
        text, bytea = copy_text.text, copy_text.bytea
        for t in _chain(first, iterator):
            # One f-string a row, in _CREATE_COLUMNS' order. Login, unit code, key id:
            # checked codes, nothing to escape.
            lines.append(f"{t.account_id}\t{t.login}{constant}{text(t.display_name)}\t"
                         f"{text(t.email)}\t{t.unit_code}\t{t.school_since.isoformat()}\t"
                         f"{bytea(t.lookup_hash)}\t{bytea(t.sealed.ciphertext)}\t"
                         f"{t.sealed.key_id}\t1\t{moment}\t{moment}\n")
            written.append(t)
            if len(lines) == _LINES_PER_WRITE:
                copy.write("".join(lines))
                lines.clear()
        copy.write("".join(lines))
        return written

    def _open_copy(self) -> Copy:
        copying = ExitStack()
        cursor = self.raw.cursor()
        self._copy = copying.enter_context(cursor.copy(
            f"COPY accounts ({', '.join(_CREATE_COLUMNS)}) FROM STDIN",
            writer=QueuedLibpqWriter(cursor)))
        self._copying = copying  # from here on, an error ends the COPY (__exit__)
        return self._copy

    def update(self, changes: list[tuple[str, TeacherChange]], at: datetime) -> None:
        self.settle()
        if not changes:
            return
        self.raw.execute(
            "CREATE TEMPORARY TABLE teacher_changes (account_id uuid PRIMARY KEY, "
            "display_name text, email text, unit_code text, school_since date, version int, "
            "left_school text, left_since date) ON COMMIT DROP")
        with self.raw.cursor().copy("COPY teacher_changes FROM STDIN") as copy:
            for account_id, c in changes:
                copy.write_row((account_id, c.display_name, c.email, c.unit_code, c.school_since,
                                c.version, c.left_school, c.left_since))
        updated = self.raw.execute(
            "UPDATE accounts a SET display_name = c.display_name, email = c.email, "
            "unit_code = c.unit_code, school_since = c.school_since, version = c.version, "
            "updated_at = %s FROM teacher_changes c "
            "WHERE a.account_id = c.account_id AND a.version = c.version - 1", (at,)).rowcount
        if updated != len(changes):
            raise ConcurrentChange(f"{len(changes) - updated} teachers changed meanwhile")
        self.raw.execute(
            "INSERT INTO teacher_past_schools (account_id, unit_code, since, until) "
            "SELECT account_id, left_school, left_since, school_since FROM teacher_changes "
            "WHERE left_school IS NOT NULL")
        self.raw.execute("DROP TABLE teacher_changes")


def _chain(first: NewTeacher, rest: Iterator[NewTeacher]) -> Iterator[NewTeacher]:
    yield first
    yield from rest


# Referenced so that a renamed column breaks here, loudly, not in a COPY at run time.
assert all(name in accounts.c for name in _CREATE_COLUMNS)
