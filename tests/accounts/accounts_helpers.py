"""Helpers the accounts tests share (a module of its own: every test folder has a
conftest, and "conftest" is not a name to import from)."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from servicekit.bus.tables import outbox
from servicekit.service import Runtime
from servicekit.tokens import Principal

OPERATOR = Principal(subject="operator-1", roles=frozenset({"operator"}))
ADMIN = Principal(subject="admin-1", roles=frozenset({"admin"}))


def work(runtime: Runtime):
    """A new unit of work of the accounts service, for one use case."""
    return runtime.components.unit_of_work()


def vault(runtime: Runtime):
    return runtime.components.vault


def lookup(runtime: Runtime, principal: Principal, numbers: list[str]) -> list[dict[str, Any]]:
    """Teachers by national ID as the route asks: the runtime's clock, vault and quota."""
    from services.accounts.handlers import national_ids
    return national_ids.lookup(work(runtime), runtime.clock, vault(runtime),
                               national_ids.lookups_per_day(runtime.settings), principal, numbers)


def refusal(error: Exception):
    """An application error as the HTTP edge answers it (status, type, headers, members)."""
    from servicekit.problems import problem_of
    return problem_of(error)


def make_runtime(environ: dict[str, str]) -> Runtime:
    from servicekit.settings import Settings
    from servicekit.testing.runtimes import migrated
    from services.accounts.bootstrap import DEFINITION
    return migrated(Runtime(DEFINITION, Settings.from_env("accounts", environ)))


def database_lost_at_call(monkeypatch, owner: type, name: str, nth: int):
    """``owner.name`` raises ConnectionError on its ``nth`` call, as a database going away
    in the middle of a run; returns what puts the real one back."""
    import itertools
    original, calls = getattr(owner, name), itertools.count(1)

    def failing(*args, **kwargs):
        if next(calls) == nth:
            raise ConnectionError("the database went away")
        return original(*args, **kwargs)
    monkeypatch.setattr(owner, name, failing)
    return lambda: monkeypatch.setattr(owner, name, original)


def reviewer(authority: str) -> Principal:
    return Principal(subject=f"reviewer-{authority.lower()}", roles=frozenset({"reviewer"}),
                     authority=authority)


def outbox_events(runtime: Runtime, event_type: str | None = None) -> list[dict[str, Any]]:
    """The recorded envelopes, oldest first, as they travel."""
    query = select(outbox.c.body).order_by(outbox.c.position)
    if event_type:
        query = query.where(outbox.c.event_type == event_type)
    with runtime.database.engine.connect() as connection:
        return [json.loads(body) for body in connection.scalars(query)]


def outbox_count(runtime: Runtime) -> int:
    with runtime.database.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(outbox)) or 0


def teacher_id(number: int, letter: str = "A") -> str:
    """A valid synthetic national ID (right check digit), one per number."""
    from services.accounts.domain.national_id import with_check_digit
    return with_check_digit(f"{letter}{1 + number % 2}{number:07d}")


def schools(runtime: Runtime) -> None:
    """Two schools in Taipei, one in Taichung, and a centre (not a school)."""
    from services.accounts.handlers.units import register_unit
    register_unit(work(runtime), runtime.clock, "353301", "臺北市立建國高級中學", "senior_high_school", "TPE")
    register_unit(work(runtime), runtime.clock, "413601", "臺北市大安區大安國民小學", "elementary_school", "TPE")
    register_unit(work(runtime), runtime.clock, "193601", "臺中市立臺中第一高級中等學校", "senior_high_school", "TXG")
    register_unit(work(runtime), runtime.clock, "TPE-TSC", "臺北市教師研習中心", "county_teacher_study_centre", "TPE")


def csv_file(rows: list[list[Any]], header: list[str] | None = None, encoding: str = "utf-8") -> bytes:
    import csv
    import io
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header or ["national_id", "name", "school_code", "email"])
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_file(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    import io

    import openpyxl
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header or ["身分證字號", "姓名", "學校代碼", "電子郵件"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def deliver(runtime: Runtime, envelopes: list) -> list:
    """Publish envelopes on the in-process bus and let the accounts consumer apply them,
    as it does in production (inbox row and effects in one transaction)."""
    from servicekit.bus.publisher import KombuPublisher
    from servicekit.bus.transport import OutgoingMessage
    publisher = KombuPublisher(runtime.settings.broker_url)
    publisher.publish_batch([OutgoingMessage(e.type, e.to_json(), e.id, e.correlation_id)
                             for e in envelopes])
    publisher.close()
    [subscription] = runtime.subscriptions()
    reader = runtime.open_reader(subscription)
    outcomes = []
    try:
        while batch := reader.next_batch(100, 0.3):
            outcomes.append(runtime.consumer(subscription).process(reader, batch))
    finally:
        reader.close()
    return outcomes


def sso_event(event_type: str, **data: Any):
    from servicekit.events import Envelope
    return Envelope(type=event_type, source="sso", correlation_id="sso-test-0001", data=data)
