"""JSON logs, one object a line, each with the service and the correlation id."""
from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from servicekit.context import current_correlation_id, current_service


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = current_service() or self.service
        record.correlation_id = current_correlation_id()
        return True


class _KitHandler(logging.StreamHandler):
    """The handler configure_logging adds, so that a second call adds none."""


def configure_logging(service: str, level: str = "INFO") -> None:
    """Idempotent: the embedded runner configures once for all services of the process,
    a production process once for its own service."""
    root = logging.getLogger()
    if any(isinstance(h, _KitHandler) for h in root.handlers):
        return
    handler = _KitHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(correlation_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        timestamp=False,
    ))
    handler.addFilter(_ContextFilter(service))
    root.addHandler(handler)
    root.setLevel(level.upper())
    # werkzeug's own access log duplicates ours, in plain text.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # pika narrates every connection step at INFO, and every failed one at ERROR with a
    # stack trace — dozens during a broker restart. Each of those failures reaches our
    # code as an exception, which servicekit.outage reports once per outage.
    logging.getLogger("pika").setLevel(logging.CRITICAL)
