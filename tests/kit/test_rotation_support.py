"""What the kit gives a key rotation: rows rewritten batch by batch without overwriting a
change made meanwhile (``servicekit.batches``); its secrets are in test_settings.py."""
from __future__ import annotations

import argparse

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, update

from servicekit import batches
from servicekit.batches import BatchRewrite, Unreadable, batch_argument
from servicekit.db import Database


@pytest.fixture
def database(tmp_path):
    made = Database(f"sqlite:///{tmp_path / 'rows.sqlite3'}")
    yield made
    made.dispose()


ROWS = Table("rows", MetaData(), Column("id", Integer, primary_key=True),
             Column("value", String(20), nullable=False))


def test_rows_are_rewritten_in_batches_never_over_a_change_made_meanwhile(database, monkeypatch) -> None:
    ROWS.metadata.create_all(database.engine)
    with database.session() as session:
        session.execute(insert(ROWS), [{"id": n, "value": "old" if n != 4 else "lost"}
                                       for n in range(1, 8)])
    monkeypatch.setattr(batches, "MAX_LISTED", 0)  # the count stays whole, the list is capped
    pages: list[list[int]] = []

    def page(session, after, limit):
        query = select(ROWS.c.id, ROWS.c.value).where(ROWS.c.value != "new").order_by(ROWS.c.id)
        rows = list(session.execute(query.where(ROWS.c.id > (after or 0)).limit(limit)))
        pages.append([row.id for row in rows])
        return rows

    def rewrite(session, row):
        if row.value == "lost":
            raise Unreadable(row.id)
        if row.id == 6:  # another process got there between the read and the write
            session.execute(update(ROWS).where(ROWS.c.id == 6).values(value="theirs"))
        return session.execute(update(ROWS).where(ROWS.c.id == row.id, ROWS.c.value == "old")
                               .values(value="new")).rowcount == 1

    run = BatchRewrite(page, lambda row: row.id, rewrite).run(database, batch_size=3)
    assert pages == [[1, 2, 3], [4, 5, 6], [7]]
    assert (run.rewritten, run.changed_meanwhile, run.unreadable, run.unreadable_ids) == (5, 1, 1, [])
    with database.session() as session:
        assert dict(session.execute(select(ROWS.c.id, ROWS.c.value)).all()) == {
            1: "new", 2: "new", 3: "new", 4: "lost", 5: "new", 6: "theirs", 7: "new"}
    with pytest.raises(ValueError):
        BatchRewrite(page, lambda row: row.id, rewrite).run(database, batch_size=0)


def test_the_batch_option_takes_positive_numbers_only() -> None:
    parser = argparse.ArgumentParser(exit_on_error=False)
    batch_argument(500)(parser)
    assert parser.parse_args([]).batch == 500
    assert parser.parse_args(["--batch", "20"]).batch == 20
    for wrong in ("0", "-3", "many"):
        with pytest.raises(argparse.ArgumentError):
            parser.parse_args(["--batch", wrong])
