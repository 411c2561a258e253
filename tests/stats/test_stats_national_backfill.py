"""Issue 13, item 8 (R-STA-1, R-STA-2): the bulk backfill of the national scale
(bench/stats_national.py: courses' ``announce-history`` handed to stats' consumer handler,
many pages a transaction) gives the figures the event path gives: the same catalogue's
history announced to courses' outbox, published on the bus and applied by stats' own
consumer, in its batches, through its inbox. The catalogue is the national generator's
(bench/data.py), small, with the seed's 10 enrolments a course."""
from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy import select, text
from stats_support import Stats, started
from test_stats_consumer import publish

from bench import data
from bench.stats_national import backfill, units_told
from servicekit.bus.tables import outbox
from servicekit.events import Envelope
from servicekit.service import Runtime
from servicekit.settings import Settings
from services.courses.bootstrap import DEFINITION as COURSES
from services.courses.handlers.history import announce_history

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

# 400 in the suite; the same check on a larger catalogue (e.g. 20,000) by setting this.
COURSES_CHECKED = int(os.environ.get("STATS_NATIONAL_CHECK_COURSES", "400"))

FIGURES = text("SELECT measure, dimension, period, starts_on, member, value FROM figures "
               "WHERE value <> 0 ORDER BY measure, dimension, period, member, starts_on")


def state_of(stats: Stats) -> tuple[list[Any], set[str]]:
    with stats.runtime.database.engine.connect() as connection:
        return (list(connection.execute(FIGURES)),
                # courses' facts: the units are told with ids of their own each time
                set(connection.scalars(text(
                    "SELECT event_id FROM facts WHERE event_type LIKE 'courses.%'"))))


def by_the_bus(courses: Runtime, stats: Stats) -> int:
    """Every course's history through the outbox, the bus and stats' consumer."""
    announce_history(courses.database, courses.outbox, batch=100)
    with courses.database.engine.connect() as connection:
        announced = [Envelope.from_json(body) for body in connection.scalars(
            select(outbox.c.body).order_by(outbox.c.position))]
    publish(stats, *announced)
    [subscription] = stats.runtime.subscriptions()
    consumer, reader = stats.runtime.consumer(subscription), stats.runtime.open_reader(subscription)
    applied = 0
    try:
        while batch := reader.next_batch(stats.runtime.settings.consumer_batch_size, 0.3):
            outcome = consumer.process(reader, batch)
            assert not outcome.dead_lettered and not outcome.requeued
            applied += outcome.applied
    finally:
        reader.close()
    return applied


def test_the_bulk_backfill_gives_the_figures_the_events_give(make_database, tmp_path) -> None:
    catalogue = make_database("courses")
    data.run(catalogue, COURSES_CHECKED, enrolment_scale=1.0, index=False,
             log=lambda _line: None)
    courses = Runtime(COURSES, Settings.from_env("courses", {
        "DATABASE_URL": catalogue.replace("postgresql://", "postgresql+psycopg://", 1)}))
    try:
        for by_events in started(tmp_path / "events", make_database("stats_events")):
            units_told(courses, by_events.runtime)
            applied = by_the_bus(courses, by_events)
            for in_bulk in started(tmp_path / "bulk", make_database("stats_bulk")):
                units_told(courses, in_bulk.runtime)
                # Pages of 50 courses gathered into transactions of ≥ 1,500 events: several
                # transactions, each many pages, as at national scale.
                done = backfill(courses, in_bulk.runtime, 50, lambda _line: None,
                                transaction_events=1500)
                assert done["told"]["courses"] == COURSES_CHECKED
                assert done["told"]["enrolments"] > 7 * COURSES_CHECKED
                assert done["events_applied"] == applied
                figures, facts = state_of(in_bulk)
                assert (figures, facts) == state_of(by_events)
                # The generator's reviews, attendee lists and hours issued count too.
                assert {row.measure for row in figures} >= {
                    "courses_registered", "course_hours", "enrolments", "reviews",
                    "attendance_lists_sent", "courses_held_network", "teacher_hours",
                    "completions"}
                assert min(done["told"][kind] for kind in (
                    "reviewed", "lists_sent", "lists_reviewed", "hours_issued")) > 0
    finally:
        courses.database.dispose()
