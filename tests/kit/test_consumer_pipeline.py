"""The consumer's loop in two stages: while one batch is applied in the database, the next
is taken from the broker and decoded; a batch is settled (acked) only after its
transaction committed, by the thread that reads the broker."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from servicekit.bus.consumer import Subscription
from servicekit.bus.tables import inbox
from servicekit.bus.transport import Delivery
from servicekit.events import Envelope

UNIT = "accounts.unit.registered.v1"


def _delivery(tag: int) -> Delivery:
    envelope = Envelope(type=UNIT, source="accounts", correlation_id="c",
                        data={"unit_code": f"U{tag}", "name": "學校", "unit_type": "elementary_school",
                              "authority_code": "TPE", "version": 1})
    return Delivery(body=envelope.to_json(), headers={}, properties={}, tag=tag)


class _Reader:
    """Two batches of one event, then nothing; records what the consumer does with it."""

    def __init__(self, log: list[str], stop: threading.Event) -> None:
        self.spec = None
        self.log = log
        self.stop = stop
        self.batches = [[_delivery(1)], [_delivery(2)]]
        self.second_taken = threading.Event()

    def next_batch(self, max_count: int, max_wait: float) -> list[Delivery]:
        if not self.batches:
            self.stop.wait(max_wait)
            return []
        batch = self.batches.pop(0)
        self.log.append(f"taken {batch[0].tag}")
        if batch[0].tag == 2:
            self.second_taken.set()
        return batch

    def settle(self, ack: list[Delivery], requeue: list[Delivery],
               dead: list[tuple[Delivery, str, int]]) -> None:
        self.log.append(f"settled {[d.tag for d in ack]}")
        if [d.tag for d in ack] == [2]:
            self.stop.set()

    def close(self) -> None:
        self.log.append("closed")


def test_the_next_batch_is_taken_while_one_is_applied_and_acked_after_its_commit(courses) -> None:
    log: list[str] = []
    stop = threading.Event()
    reader = _Reader(log, stop)
    overlapped = []

    def handler(session, data, envelope) -> None:
        if data["unit_code"] == "U1":
            # The first batch's transaction waits: the reader takes the second meanwhile.
            overlapped.append(reader.second_taken.wait(10))
        log.append(f"applied {data['unit_code'][1:]}")

    queue = courses.subscriptions()[0].queue
    consumer = courses.consumer(Subscription(queue, {UNIT: handler}))
    runner = threading.Thread(target=consumer.run, args=(lambda: reader, stop),
                              kwargs={"batch_size": 10, "max_wait": 0.05})
    runner.start()
    runner.join(20)
    assert not runner.is_alive()
    assert overlapped == [True]
    assert log == ["taken 1", "taken 2", "applied 1", "settled [1]", "applied 2",
                   "settled [2]", "closed"]
    with courses.database.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(inbox)) == 2
