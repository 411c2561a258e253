"""Rewriting every row of a kind, a batch at a time: what finishing a key rotation does
(re-sealing, re-hashing). Each batch is a transaction of its own, so a long run never
holds one huge transaction and a run that stops loses at most a batch; rows are paged by
key after the last one seen (keyset, not OFFSET: every batch costs the same however far
the run has come); and a row is rewritten only if it still holds what was read, so a
change made meanwhile is never overwritten."""
from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from servicekit.db import Database
from servicekit.service import positive_int

Row = TypeVar("Row")
MAX_LISTED = 100  # unreadable rows named in a result; the count is always whole


class Unreadable(Exception):
    """The row cannot be rewritten (sealed under a key that is not configured): it is
    counted and named, and stays as it is."""


@dataclass
class BatchRun:
    rewritten: int = 0
    changed_meanwhile: int = 0  # rewritten by another change between the read and the write
    unreadable: int = 0
    unreadable_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BatchRewrite(Generic[Row]):
    """``page(session, after, limit)``: the next rows still to rewrite, by key, after
    ``after`` (None: from the start). ``rewrite(session, row)``: True when written, False
    when the row changed since it was read; raises Unreadable."""
    page: Callable[[Session, Any, int], list[Row]]
    key: Callable[[Row], Any]
    rewrite: Callable[[Session, Row], bool]

    def run(self, database: Database, batch_size: int) -> BatchRun:
        if batch_size < 1:
            raise ValueError(f"the batch size must be at least 1, not {batch_size}")
        result, after = BatchRun(), None
        while True:
            with database.session() as session:
                rows = self.page(session, after, batch_size)
                done, changed, unreadable = 0, 0, []
                for row in rows:
                    try:
                        if self.rewrite(session, row):
                            done += 1
                        else:
                            changed += 1
                    except Unreadable:
                        unreadable.append(str(self.key(row)))
            # Counted once the batch has committed: a result never claims a rolled-back row.
            result.rewritten += done
            result.changed_meanwhile += changed
            result.unreadable += len(unreadable)
            room = max(MAX_LISTED - len(result.unreadable_ids), 0)
            result.unreadable_ids.extend(unreadable[:room])
            if len(rows) < batch_size:
                return result
            after = self.key(rows[-1])


def batch_argument(default: int) -> Callable[[argparse.ArgumentParser], None]:
    """The ``--batch N`` option of a command that rewrites rows in batches."""
    def add(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--batch", type=positive_int, default=default,
                            help=f"rows per transaction (default {default})")
    return add
