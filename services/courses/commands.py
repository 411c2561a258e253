"""The courses service's scheduled commands (deploy/k8s/base/scheduled-jobs.yaml)."""
from __future__ import annotations

import argparse
from datetime import date

from servicekit.batches import batch_argument
from servicekit.service import Command, Runtime
from services.courses.adapters import recent_index
from services.courses.components import CoursesComponents
from services.courses.handlers import history, lights, lottery, mails


def _draw(runtime: Runtime[CoursesComponents], _args: argparse.Namespace) -> object:
    return lottery.open_and_draw(runtime.components.enrolments, runtime.clock)


def _send(runtime: Runtime[CoursesComponents], _args: argparse.Namespace) -> object:
    return {"sent": mails.send_queued(runtime.database, runtime.components.mailer,
                                      runtime.clock)}


def recount_lights(runtime: Runtime[CoursesComponents], _args: argparse.Namespace) -> object:
    """R-CRS-7: every unit's light counted again for today (a course becomes overdue by
    the calendar alone); nightly, CronJob courses-recount-lights."""
    components = runtime.components
    return lights.recount_all(components.uow(), runtime.clock, components.closing)


def announce_history(runtime: Runtime[CoursesComponents], args: argparse.Namespace) -> object:
    """Every course's history told again, for a service that subscribes later (stats'
    backfill); run again, it publishes the same event ids, which inboxes skip."""
    return history.announce_history(runtime.database, runtime.outbox, args.batch)


def roll_search_index(runtime: Runtime[CoursesComponents], args: argparse.Namespace) -> object:
    """The GIN index of the recent documents moved on to ``--from`` (by default 1 January
    of the previous year): built concurrently, the others dropped; a no-op when done.
    Early each month, CronJob courses-roll-search-index (it moves in January)."""
    today = runtime.clock.now().date()
    bound = args.bound or recent_index.bound_for(today)
    if bound > today:
        raise SystemExit(f"--from {bound.isoformat()}: after today, no search could read it")
    return recent_index.roll(runtime.database, bound)


def _bound_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="bound", type=date.fromisoformat, default=None,
                        metavar="YYYY-MM-DD", help="the first last day the index holds "
                        "(default: 1 January of the previous year)")


COMMANDS = (
    Command("draw-lotteries", "publish the seed hash of lottery courses whose window opened "
            "and draw those whose window closed (every few minutes; idempotent)", _draw),
    Command("send-enrolment-mails", "send enrolment news that could not go out at once "
            "(every few minutes)", _send),
    Command("recount-lights", "count every unit's traffic light again for today (R-CRS-7)",
            recount_lights),
    Command("announce-history", "announce every course's registration, review, places, "
            "attendee list and hours again, with their moments and stable ids (a backfill "
            "for a service that subscribes later)", announce_history,
            batch_argument(history.DEFAULT_BATCH)),
    Command("roll-search-index", "move the search's GIN index of the recent documents on to "
            "1 January of the previous year (or --from): built concurrently, then the older "
            "ones dropped; nothing to do when done, or on SQLite", roll_search_index,
            _bound_argument),
)
