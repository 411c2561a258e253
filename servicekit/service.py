"""What a service is to the kit, and the per-process runtime built from its settings.

A service's ``bootstrap.py`` (its composition root) fills a ``ServiceDefinition``; the kit
builds everything else from it — the web app's shared parts, the relay, the consumers,
the migrations and the command line — so five services do not keep five copies."""
from __future__ import annotations

import argparse
import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from servicekit.bus.access import Publishers
from servicekit.bus.consumer import Consumer, Subscription
from servicekit.bus.monitoring import OutboxAge, QueueDepths
from servicekit.bus.outbox import Outbox
from servicekit.bus.publisher import Publisher, open_publisher
from servicekit.bus.readers import QueueReader
from servicekit.bus.relay import Relay
from servicekit.bus.topology import QueueSpec
from servicekit.bus.transport import Transport
from servicekit.clock import Clock, SystemClock
from servicekit.db import Database
from servicekit.events import Catalogue
from servicekit.metrics import ScrapeCollector
from servicekit.settings import Settings, parse_positive_int

if TYPE_CHECKING:
    from flask import Flask

    from servicekit.api import ServiceApi


@dataclass(frozen=True)
class Command:
    """A service's own command (``python -m services.<name> <command>``), e.g. a scheduled
    job; its result is printed as JSON."""
    name: str
    help: str
    run: Callable[[Runtime, argparse.Namespace], object]
    arguments: Callable[[argparse.ArgumentParser], None] = lambda _parser: None


def os_user() -> str:
    """Who runs this process, as the system knows them, for the audit of one-off commands
    (a container's user may have no name: its uid then)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


def positive_int(text: str) -> int:
    """An argparse type for counts and days: a whole number, at least 1 (as settings)."""
    try:
        return parse_positive_int(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


Components = TypeVar("Components")


@dataclass(frozen=True)
class WebApp:
    """A service's HTTP face, from which the kit builds its app on a runtime
    (``servicekit.web.app_for``): the same app for gunicorn, the embedded platform and
    the tests."""
    api: ServiceApi
    title: str
    # Run on each new app with its runtime: what the service adds to the kit's app (sso's
    # own token verifier), or must find before it serves (accounts' national-ID keys).
    extend: Callable[[Flask, Runtime[Any]], None] | None = None


@dataclass(frozen=True)
class ServiceDefinition(Generic[Components]):
    name: str
    # What gunicorn loads, "services.<name>.app:create_app()": the app module's
    # ``service_app_factory(DEFINITION)``, which builds the app from ``web``.
    app_spec: str
    migrations_dir: Path
    catalogue: Catalogue
    # The web app's description, made on demand: a web process imports the HTTP layer
    # (its routes and schemas), a relay or consumer never does.
    web: Callable[[], WebApp] | None = None
    # Built per runtime (handlers may need the runtime's settings).
    subscriptions: Callable[[Runtime], list[Subscription]] = field(default=lambda _r: [])
    # Run by ``migrate`` after the schema is current, in every mode: reference data that
    # must be there and announced before the service serves (idempotent).
    after_migrate: Callable[[Runtime], object] | None = None
    # The small demo data set of the embedded default (``make up``, and ``seed-demo`` for
    # ``DEMO_DATA=1`` on real servers); never run in production. Idempotent. It may leave
    # work running and return its thread, which the one-off ``seed-demo`` waits for.
    seed_demo: Callable[[Runtime], object] | None = None
    commands: tuple[Command, ...] = ()
    # The service's own dependencies (a vault, a mailer, its unit-of-work factory), built
    # once per runtime on first use and reached, typed, as ``runtime.components``: no
    # module-level registry keyed by runtime.
    components: Callable[[Runtime[Components]], Components] | None = None


class Runtime(Generic[Components]):
    """One per process and service; nothing connects until first used. ``clock`` is the
    one clock its handlers read (a test passes a ``FixedClock``)."""

    def __init__(self, definition: ServiceDefinition[Components], settings: Settings,
                 clock: Clock | None = None) -> None:
        self.definition = definition
        self.settings = settings
        self.clock: Clock = clock or SystemClock()

    @cached_property
    def components(self) -> Components:
        if self.definition.components is None:
            raise LookupError(f"the {self.definition.name} service declares no components")
        return self.definition.components(self)

    @cached_property
    def database(self) -> Database:
        return Database(self.settings.database_url, self.definition.name)

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.definition.name, self.definition.catalogue)

    def transport(self) -> Transport:
        """A new connection (kombu connections are not thread-safe); the caller closes it."""
        return Transport(self.settings.broker_url)

    def open_reader(self, subscription: Subscription) -> QueueReader:
        """A reader with its own connection, which it closes with itself: after a broker
        restart the consumer opens a new one instead of reusing a dead connection."""
        return self.transport().reader(subscription.queue, self.settings.consumer_prefetch,
                                       owns_transport=True)

    def open_publisher(self) -> Publisher:
        return open_publisher(self.settings.broker_url)

    def queue(self, subscription: str, *binding_keys: str) -> QueueSpec:
        return QueueSpec(self.definition.name, subscription, tuple(binding_keys),
                         self.settings.delivery_limit)

    def subscriptions(self) -> list[Subscription]:
        """Every process that consumes, and ``migrate``, starts here: a handler or a binding
        of a type that is not in the catalogue stops it with UnknownEventType."""
        subscriptions = self.definition.subscriptions(self)
        for subscription in subscriptions:
            for event_type in (*subscription.handlers, *subscription.queue.binding_keys):
                self.definition.catalogue.check_subscribable(self.definition.name, event_type)
        return subscriptions

    def relay(self) -> Relay:
        return Relay(self.definition.name, self.database, self.open_publisher,
                     self.settings.relay_batch_size, self.settings.relay_idle_seconds,
                     self.settings.reconnect_seconds)

    def consumer(self, subscription: Subscription) -> Consumer:
        return Consumer(self.database, subscription, self.definition.catalogue,
                        self.settings.delivery_limit,
                        Publishers.for_connection(self.definition.name, self.settings.broker_url))

    def declare_topology(self) -> None:
        transport = self.transport()
        try:
            transport.declare_exchanges()
            for subscription in self.subscriptions():
                transport.declare_queue(subscription.queue)
        finally:
            transport.close()

    def scraped_figures(self) -> list[ScrapeCollector]:
        """What the service's web process reads when Prometheus scrapes it, besides its
        counters (servicekit.bus.monitoring): its outbox's oldest waiting event, and the
        depth, consumers and dead letters of each of its subscriptions' queues."""
        return [OutboxAge(self.definition.name, self.database),
                QueueDepths(self.definition.name, self.settings.broker_url,
                            lambda: [s.queue for s in self.subscriptions()])]

    def readiness(self) -> dict[str, Callable[[], None]]:
        def broker() -> None:
            transport = self.transport()
            try:
                transport.ping()
            finally:
                transport.close()
        return {"database": self.database.ping, "broker": broker}
