"""The unit of work commits events with the state, or neither; the fake keeps the same
promise with no database (issue: the house, point 1)."""
from __future__ import annotations

import pytest
from marshmallow import Schema, fields
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select

from servicekit.bus.tables import outbox
from servicekit.db import Database
from servicekit.events import Catalogue, InvalidEvent
from servicekit.testing.fakes import FakeUnitOfWork
from servicekit.uow import SqlUnitOfWork


class Pinged(Schema):
    n = fields.Integer(required=True)


CATALOGUE = Catalogue({"demo": {"demo.ping.happened.v1": Pinged}})
things = Table("things", MetaData(), Column("n", Integer, primary_key=True))


class DemoUnitOfWork(SqlUnitOfWork):
    def open_repositories(self, session) -> None:
        self.things = session  # a repository would wrap it


@pytest.mark.integration  # SQLite
def test_events_commit_with_the_state_or_not_at_all(tmp_path) -> None:
    from servicekit.bus.outbox import Outbox

    database = Database(f"sqlite:///{tmp_path}/u.db")
    outbox.metadata.create_all(database.engine)
    things.metadata.create_all(database.engine)
    uow = DemoUnitOfWork(database, Outbox("demo", CATALOGUE))
    with uow:
        uow.things.execute(insert(things).values(n=1))
        uow.record("demo.ping.happened.v1", {"n": 1})
    with pytest.raises(ZeroDivisionError), uow:
        uow.things.execute(insert(things).values(n=2))
        uow.record("demo.ping.happened.v1", {"n": 2})
        1 / 0  # noqa: B018 -- the failure under test
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(things)) == 1
        assert session.scalar(select(func.count()).select_from(outbox)) == 1


def test_the_fake_keeps_committed_events_and_checks_the_contract() -> None:
    uow = FakeUnitOfWork("demo", CATALOGUE)
    with uow:
        uow.record("demo.ping.happened.v1", {"n": 1})
    with pytest.raises(RuntimeError), uow:
        uow.record("demo.ping.happened.v1", {"n": 2})
        raise RuntimeError("refused")
    assert uow.recorded("demo.ping.happened.v1") == [{"n": 1}]
    assert (uow.commits, uow.rollbacks) == (1, 1)
    with pytest.raises(InvalidEvent, match="n"), uow:
        uow.record("demo.ping.happened.v1", {"n": "not a number"})
