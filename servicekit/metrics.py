"""Prometheus metrics that stay correct under gunicorn with several workers.

prometheus-client's multiprocess mode is chosen by ``PROMETHEUS_MULTIPROC_DIR`` being
set before the first metric is created; the ``web`` command sets it (a fresh folder) before
gunicorn starts, and the gunicorn config marks dead workers. A process without it (the
embedded runner, a relay, a consumer) uses the ordinary registry.
"""
from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests answered",
                        ["service", "method", "route", "status"])
HTTP_LATENCY = Histogram("http_request_duration_seconds", "Time to answer an HTTP request",
                         ["service", "method", "route"])
EVENTS_PUBLISHED = Counter("events_published_total", "Events confirmed by the broker",
                           ["service"])
EVENTS_CONSUMED = Counter("events_consumed_total", "Events taken from a queue, by outcome",
                          ["service", "subscription", "outcome"])
OUTBOX_BACKLOG = Gauge("outbox_backlog", "Outbox rows not yet confirmed by the broker",
                       ["service"], multiprocess_mode="livemax")
# servicekit.outage: the broker or the database lost, as each process sees it.
DEPENDENCY_OUTAGES = Counter("platform_dependency_outages_total",
                             "Times this process lost a server it needs",
                             ["service", "dependency"])
DEPENDENCY_DOWN_SECONDS = Counter("platform_dependency_down_seconds_total",
                                  "Seconds this process spent without a server it needs",
                                  ["service", "dependency"])
# 0 while any live process of the service is without it.
DEPENDENCY_UP = Gauge("platform_dependency_up", "1 while the server answers, 0 while it is lost",
                      ["service", "dependency"], multiprocess_mode="livemin")


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
