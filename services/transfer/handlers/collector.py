"""Python's cyclic collector kept off what a bulk use case finds alive when it starts."""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Young objects made between two collections of the youngest generation while a bulk use
# case runs (Python's default: 700). Its rows make tuples, dicts and lists by the
# hundred thousand and no reference cycle: at 700, each object that lives a few
# microseconds longer (a checked row, until its chunk is written) was walked by young
# collections again and again, half the cost of a chunk's checks (8.1 µs a row against
# 6.3 at 10,000, measured over 50,000 rows).
YOUNG_OBJECTS = 10_000


@contextmanager
def skips_what_is_held() -> Iterator[None]:
    """The collector leaves the objects alive now (a file's tables: a list and a dict per
    row, held for a whole job; the process's own long-lived objects) out of its full
    passes while the block runs, and takes them back after (``gc.freeze``/``unfreeze``).
    Each full pass walked all of them: at 200,000 rows the collector took 4.6 s of a 30 s
    file job, and a third of an unchanged re-send; a push of 1,000 rows allocates enough
    to set off a full pass every few dozen batches (docs/performance.md, "transfer").
    Nothing is kept longer: an object goes when its last reference does, as ever, and a
    cycle among the frozen ones is collected after the block. Young objects are collected
    every ``YOUNG_OBJECTS`` made instead of 700. The freeze and the thresholds are the
    process's: a block ending while another runs gives that one's objects back early and
    the usual thresholds, which costs it the gain, never memory."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@contextmanager
def paused() -> Iterator[None]:
    """No collection at all while the block runs, for a block that makes many objects and
    no reference cycles (a file's tables: lists and dicts of text): each collection
    walked the rows made so far, four full passes for a 200,000-row file even with what
    was held before frozen. The collector comes back on after, unless it was off when the
    block began (another such block, or a caller, turned it off)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
