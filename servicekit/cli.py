"""The command line every service shares: ``python -m services.<name> <command>``.

    web            serve HTTP with gunicorn (several workers, multiprocess metrics)
    relay          move the outbox to the broker
    consumer       apply this service's subscriptions (all of them, or --subscription)
    migrate        upgrade the database, declare this service's queues, reference data
    dead-letters   list | show EVENT_ID | replay (EVENT_ID… | --all) [--subscription S]
    tidy-outbox    delete rows the broker confirmed more than --days ago
    seed-demo      the demo data set of ``make up`` (refused in production; idempotent)

and the service's own (``ServiceDefinition.commands``), e.g. its scheduled jobs.
"""
from __future__ import annotations

import argparse
import gc
import json
import logging
import sys
import threading
from collections.abc import Callable
from datetime import timedelta

from servicekit import errors, heartbeat, serving
from servicekit.bus.consumer import Subscription
from servicekit.bus.relay import tidy_outbox
from servicekit.bus.transport import Transport
from servicekit.logs import configure_logging
from servicekit.migrations import upgrade
from servicekit.problems import Problem, problem_of
from servicekit.service import Command, Runtime, ServiceDefinition, positive_int
from servicekit.settings import Settings

log = logging.getLogger("servicekit.cli")


def main(definition: ServiceDefinition, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m services.{definition.name}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("web")
    commands.add_parser("relay")
    consumer = commands.add_parser("consumer")
    consumer.add_argument("--subscription", action="append")
    commands.add_parser("migrate")
    letters = commands.add_parser("dead-letters")
    letters.add_argument("action", choices=["list", "show", "replay"])
    letters.add_argument("event_ids", nargs="*")
    letters.add_argument("--all", action="store_true")
    letters.add_argument("--subscription")
    tidy = commands.add_parser("tidy-outbox")
    tidy.add_argument("--days", type=positive_int, default=7,
                      help="keep sent rows this many days (default 7)")
    commands.add_parser("seed-demo")
    own = {command.name: command for command in definition.commands}
    for command in own.values():
        command.arguments(commands.add_parser(command.name, help=command.help))
    args = parser.parse_args(argv)

    settings = Settings.from_env(definition.name)
    if args.command == "web":
        serving.exec_gunicorn(definition.app_spec, settings)
    configure_logging(definition.name, settings.log_level)
    runtime = Runtime(definition, settings)
    if args.command == "relay":
        return _run_relay(runtime)
    if args.command == "consumer":
        return _run_consumers(runtime, args.subscription)
    if args.command == "migrate":
        return _one_off(runtime, lambda: _migrated(runtime))
    if args.command == "dead-letters":
        return _dead_letters(runtime, args)
    if args.command == "tidy-outbox":
        print(json.dumps({"deleted": tidy_outbox(runtime.database, timedelta(days=args.days))}))
        return 0
    if args.command == "seed-demo":
        return _one_off(runtime, lambda: _seed_demo(runtime))
    return _one_off(runtime, lambda: _own_command(own[args.command], runtime, args))


def _one_off(runtime: Runtime, work: Callable[[], int]) -> int:
    """A command that ends when its work does: its connections are closed, not left to
    the garbage collector (which a caller in the same process, a test, would see)."""
    try:
        return work()
    finally:
        if "database" in vars(runtime):  # built only if the command used it
            runtime.database.dispose()


def _own_command(command: Command, runtime: Runtime, args: argparse.Namespace) -> int:
    try:
        try:
            result = command.run(runtime, args)
        except errors.ApplicationError as refused:  # the same answer the HTTP edge gives
            raise problem_of(refused) from refused
    except Problem as problem:
        # A refusal the operator must read, and a script must see: the reason on stderr,
        # as problem+json, and a non-zero exit.
        print(f"{args.command}: {problem.title}: {problem.detail or ''}".rstrip(": "),
              file=sys.stderr)
        print(json.dumps(problem.to_dict(), ensure_ascii=False, default=str), file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


def _seed_demo(runtime: Runtime) -> int:
    """The demo data of the embedded default, for ``make up`` on real servers with
    ``DEMO_DATA=1``. Work the seed leaves running (a thread waiting for other services'
    events) is waited for here: this process ends when the command does."""
    if not runtime.settings.embedded:
        print(f"seed-demo: refused in {runtime.settings.mode} mode: demo logins and "
              f"passwords never go on a production platform", file=sys.stderr)
        return 1
    seed = runtime.definition.seed_demo
    pending = seed(runtime) if seed is not None else None
    if isinstance(pending, threading.Thread):
        pending.join()
    print(json.dumps({"service": runtime.definition.name, "seeded": seed is not None}))
    return 0


def _migrated(runtime: Runtime) -> int:
    migrate(runtime)
    return 0


def migrate(runtime: Runtime) -> None:
    upgrade(runtime.definition.migrations_dir, runtime.database)
    runtime.declare_topology()
    if runtime.definition.after_migrate is not None:
        runtime.definition.after_migrate(runtime)
    log.info("migrated", extra={"database": runtime.database.engine.url.render_as_string()})


def _long_running() -> None:
    """The bus loops allocate thousands of short-lived objects a second, and each full
    collection walked every object of the imported libraries too (≈ 100k, ≈ 60 ms a
    time). What exists once started lives as long as the process: leave it out of them."""
    gc.freeze()


def _run_relay(runtime: Runtime) -> int:
    stop = serving.stop_event_on_signals()
    heartbeat.configure(runtime.settings.value("HEARTBEAT_FILE"))
    serving.start_metrics_server(runtime.settings)
    _long_running()
    runtime.relay().run(stop)
    return 0


def _run_consumers(runtime: Runtime, only: list[str] | None) -> int:
    stop = serving.stop_event_on_signals()
    heartbeat.configure(runtime.settings.value("HEARTBEAT_FILE"))
    serving.start_metrics_server(runtime.settings)
    subscriptions = [s for s in runtime.subscriptions()
                     if not only or s.queue.subscription in only]
    if not subscriptions:
        # Deployments run a consumer for every service; one with nothing to read yet idles
        # rather than crash-looping.
        log.info("no subscriptions: idle until stopped")
        while not stop.wait(5.0):
            heartbeat.beat("idle")  # idle is alive
        return 0
    threads = [threading.Thread(target=consume, args=(runtime, s, stop),
                                name=f"consumer-{s.queue.name}") for s in subscriptions]
    _long_running()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return 0


def consume(runtime: Runtime, subscription: Subscription, stop: threading.Event) -> None:
    runtime.consumer(subscription).run(lambda: runtime.open_reader(subscription), stop,
                                       batch_size=runtime.settings.consumer_batch_size,
                                       reconnect_seconds=runtime.settings.reconnect_seconds)


def _dead_letters(runtime: Runtime, args: argparse.Namespace) -> int:
    subscriptions = [s for s in runtime.subscriptions()
                     if args.subscription in (None, s.queue.subscription)]
    transport = runtime.transport()
    try:
        return _dead_letter_action(transport, subscriptions, args)
    finally:
        transport.close()


def _dead_letter_action(transport: Transport, subscriptions: list[Subscription],
                        args: argparse.Namespace) -> int:
    for subscription in subscriptions:
        queue = subscription.queue
        if args.action == "replay":
            if not args.all and not args.event_ids:
                print("replay needs EVENT_ID… or --all", file=sys.stderr)
                return 2
            count = transport.replay(queue, None if args.all else args.event_ids)
            print(json.dumps({"queue": queue.name, "replayed": count}))
            continue
        for letter in transport.dead_letters(queue):
            if args.action == "show" and letter.event_id not in args.event_ids:
                continue
            row = {"queue": queue.name, "event_id": letter.event_id, "type": letter.event_type,
                   "reason": letter.reason, "failed_at": letter.failed_at,
                   "attempts": letter.attempts}
            if args.action == "show":
                row["body"] = json.loads(letter.body)
            print(json.dumps(row, ensure_ascii=False))
    return 0
