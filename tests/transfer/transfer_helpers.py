"""Helpers of the transfer tests: the service on the embedded default (SQLite file, in-process bus), its HTTP
API through Flask's test client: staff and business tokens signed like sso's platform
tokens, sources' machine tokens like sso's client-credentials tokens (transfer audience,
``source`` claim, scope ``transfer``), and the accounts lookup replaced by a directory of
known teachers."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from servicekit.bus.tables import outbox
from servicekit.service import Runtime
from servicekit.testing.tokens import TokenSigner
from services.transfer.domain.teacher_ids import with_check_digit

PLATFORM = TokenSigner()
MACHINE = TokenSigner(audience="inservice-transfer", kid=PLATFORM.kid)
MACHINE._keys = PLATFORM._keys  # one sso, one key: only the audience differs

TEACHERS = {with_check_digit(f"A12345{n:03d}"): f"00000000-0000-4000-8000-{n:012d}"
            for n in range(1, 60)}


@dataclass
class Directory:
    """The accounts service's lookup as transfer sees it: IDs in, account ids out."""
    known: dict[str, str] = field(default_factory=lambda: dict(TEACHERS))
    asked: list[list[str]] = field(default_factory=list)

    def account_ids(self, teacher_ids: Sequence[str]) -> dict[str, str]:
        self.asked.append(list(teacher_ids))
        return {number: self.known[number] for number in teacher_ids if number in self.known}


@dataclass
class Api:
    client: FlaskClient
    runtime: Runtime
    directory: Directory

    def headers(self, role: str | None, unit: str | None = None) -> dict[str, str]:
        if role is None:
            return {}
        return {"Authorization": "Bearer " + PLATFORM.sign(subject=f"{role}-1", roles=[role],
                                                           unit=unit)}

    def call(self, method: str, path: str, role: str | None = "operator",
             unit: str | None = None, **kwargs: Any):
        return getattr(self.client, method)(path, headers=self.headers(role, unit), **kwargs)

    def push(self, source: str, batch: dict[str, Any], as_source: str | None = None,
             token: str | None = None):
        token = token or machine_token(as_source or source)
        return self.client.post(f"/sources/{source}/batches", json=batch,
                                headers={"Authorization": f"Bearer {token}"})


def machine_token(source: str, scope: str = "transfer", **claims: Any) -> str:
    return MACHINE.sign(subject=f"source-{source}", roles=[], client_id=f"source-{source}",
                        scope=scope, source=source, **claims)


def open_source(api: Api, code: str = "tpe-edu", unit: str = "313301",
                state: str = "production") -> None:
    """A source registered and moved to ``state`` through its onboarding steps."""
    assert api.call("post", "/sources", json={"code": code, "name": "臺北市教師研習網",
                                              "owner_unit": unit, "mode": "daily_push"}
                    ).status_code == 201
    api.call("post", f"/sources/{code}/steps", json={"step": "format_check_passed"})
    assert api.call("post", f"/sources/{code}/state", json={"state": "test"}).status_code == 200
    if state == "production":
        api.call("post", f"/sources/{code}/steps", json={"step": "test_run_succeeded"})
        api.call("post", f"/sources/{code}/steps", json={
            "step": "ministry_approval", "reference": "臺教師(三)字第1020000001號"})
        assert api.call("post", f"/sources/{code}/state",
                        json={"state": "production"}).status_code == 200


def outbox_events(runtime: Runtime, event_type: str | None = None) -> list[dict[str, Any]]:
    """The recorded envelopes' data, oldest first."""
    query = select(outbox.c.body).order_by(outbox.c.position)
    if event_type:
        query = query.where(outbox.c.event_type == event_type)
    with runtime.database.engine.connect() as connection:
        return [json.loads(body)["data"] for body in connection.scalars(query)]


def seen_at_each_call(monkeypatch: Any, module: Any, name: str, look: Any) -> list[Any]:
    """What ``look()`` answers each time ``module.name`` is called (the call goes on as
    before): the state of the process a step of the work runs in."""
    seen: list[Any] = []
    called = getattr(module, name)

    def seeing(*args: Any, **kwargs: Any) -> Any:
        seen.append(look())
        return called(*args, **kwargs)

    monkeypatch.setattr(module, name, seeing)
    return seen
