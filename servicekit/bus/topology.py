"""Every exchange and queue name, derived in one place.

- ``platform.events``: topic exchange; routing key = event type.
- ``platform.unrouted``: the alternate exchange of ``platform.events``; an event nobody
  subscribes to lands in its queue instead of vanishing.
- ``platform.dead-letter``: direct exchange; routing key = the queue the message failed in,
  bound to ``<queue>.dead-letter``.
- ``<service>.<subscription>``: one durable quorum queue per consuming service and
  subscription, with the dead-letter exchange and ``x-delivery-limit`` (3.10 sets none).
- ``<service>.replay``: direct exchange of one service; routing key = one of its queues,
  bound to it. Dead letters go back through it, not through the default exchange, which
  would let a service's user publish into every queue of the vhost.

The shared ``platform.*`` names are declared by the broker setup; a service's own user
may configure only ``<service>.*`` (``servicekit.bus.access``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EVENTS_EXCHANGE = "platform.events"
UNROUTED_EXCHANGE = "platform.unrouted"
UNROUTED_QUEUE = "platform.unrouted"
DEAD_LETTER_EXCHANGE = "platform.dead-letter"


@dataclass(frozen=True)
class QueueSpec:
    service: str
    subscription: str
    binding_keys: tuple[str, ...]
    delivery_limit: int

    @property
    def name(self) -> str:
        return f"{self.service}.{self.subscription}"

    @property
    def consumer_name(self) -> str:
        """Inbox rows are keyed by this: one subscription, one idempotency domain."""
        return self.name

    @property
    def dead_letter_queue(self) -> str:
        return dead_letter_queue(self.name)

    @property
    def replay_exchange(self) -> str:
        return replay_exchange(self.service)

    @property
    def arguments(self) -> dict[str, Any]:
        return {
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
            "x-dead-letter-routing-key": self.name,
            "x-delivery-limit": self.delivery_limit,
        }


def dead_letter_queue(queue: str) -> str:
    return f"{queue}.dead-letter"


def replay_exchange(service: str) -> str:
    return f"{service}.replay"


EVENTS_EXCHANGE_ARGUMENTS = {"alternate-exchange": UNROUTED_EXCHANGE}
QUORUM = {"x-queue-type": "quorum"}
