"""Who may do what on the broker: one RabbitMQ user per service, its rights derived from
the topology's names here and nowhere else (launcher, compose, Kubernetes and the tests
all read them from this module).

A service's user (``<prefix><service>``, the same prefix for every service of one
platform; empty in production) may:

- configure only its own names — its queues ``<service>.<subscription>``, their
  ``….dead-letter`` queues and its replay exchange ``<service>.replay``. Not the shared
  exchanges: a user that may configure ``platform.events`` may delete it and declare it
  again as a direct exchange, where topic permissions no longer apply. The broker setup
  declares those (``declare_shared``), with a user that may;
- write to its own names, to ``platform.events`` and to ``platform.dead-letter`` — never
  to the default exchange, which reaches every queue by name;
- read its own queues, and bind them to ``platform.events`` and ``platform.dead-letter``;
- on ``platform.events`` (topic permission), publish only routing keys ``<service>.…``:
  its own events, since an event type is ``<producer>.<aggregate>.<what>.v<N>``.

The broker also vouches for who published a message: RabbitMQ refuses a message whose
``user_id`` property is not the connection's user, and every publisher of the kit sets
it. A consumer whose own user is a service user (``Publishers``) checks it against the
type's producer. A dead letter and its replay are published again by the consuming
service itself, so they carry the original publisher in ``x-published-by``, which only
that service can have written (see ``publisher_of``).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from servicekit.bus import topology
from servicekit.events import ForgedEvent, producer_of

PUBLISHED_BY = "x-published-by"


@dataclass(frozen=True)
class TopicGrant:
    exchange: str
    write: str
    read: str


@dataclass(frozen=True)
class Grant:
    """A service's permissions in the platform's vhost, as RabbitMQ regexes."""
    service: str
    configure: str
    write: str
    read: str
    topics: tuple[TopicGrant, ...]


def user_name(service: str, prefix: str = "") -> str:
    return f"{prefix}{service}"


def _literal(name: str) -> str:
    """A name as a regex: the topology's names are lower-case words, dots and dashes."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", name):
        raise ValueError(f"not a topology name: {name!r}")
    return name.replace(".", r"\.")


def grant(service: str) -> Grant:
    own = rf"^{_literal(service)}\."
    shared = "|".join(_literal(name) for name in
                      (topology.EVENTS_EXCHANGE, topology.DEAD_LETTER_EXCHANGE))
    own_or_shared = rf"^({_literal(service)}\..*|{shared})$"
    return Grant(service=service, configure=own, write=own_or_shared, read=own_or_shared,
                 topics=(TopicGrant(topology.EVENTS_EXCHANGE, write=own, read=".*"),))


def rabbitmqctl_commands(service: str, user: str, vhost: str) -> list[list[str]]:
    """The permission commands for one service's user (which must exist already)."""
    rights = grant(service)
    commands = [["set_permissions", "-p", vhost, user, rights.configure, rights.write,
                 rights.read]]
    for topic in rights.topics:
        commands.append(["set_topic_permissions", "-p", vhost, user, topic.exchange,
                         topic.write, topic.read])
    return commands


def connection_user(broker_url: str) -> str | None:
    """The user an AMQP URL logs in as; None for the in-process bus."""
    if not broker_url.startswith(("amqp://", "amqps://")):
        return None
    username = urlsplit(broker_url).username
    return unquote(username) if username else "guest"


def publisher_of(user_id: str | None, headers: Mapping[str, Any],
                 own_user: str | None) -> str | None:
    """Who published a message, as far as the broker vouches. A message this very service
    published again (a dead letter, a replay) names the original publisher in
    ``x-published-by``: no other user can publish with this service's ``user_id``."""
    if own_user is not None and user_id == own_user and PUBLISHED_BY in headers:
        return str(headers[PUBLISHED_BY]) or None
    return user_id


@dataclass(frozen=True)
class Publishers:
    """The consumer's check of the broker's word: an event of ``<producer>.…`` must have
    been published by ``<prefix><producer>``. ``prefix`` None: the services share one
    user (the in-process bus, a development broker), so the broker cannot tell them apart
    and only the envelope's ``source`` is checked."""
    prefix: str | None
    own_user: str | None

    @classmethod
    def for_connection(cls, service: str, broker_url: str) -> Publishers:
        user = connection_user(broker_url)
        if user is not None and user.endswith(service):
            return cls(prefix=user[:-len(service)], own_user=user)
        return cls(prefix=None, own_user=user)

    def check(self, event_type: str, user_id: str | None, headers: Mapping[str, Any]) -> None:
        if self.prefix is None:
            return
        expected = user_name(producer_of(event_type), self.prefix)
        publisher = publisher_of(user_id, headers, self.own_user)
        if publisher != expected:
            raise ForgedEvent(f"forged: {event_type} must be published by broker user "
                              f"{expected!r}, was published by {publisher!r}")
