"""A service as a deployment leaves it, for tests."""
from __future__ import annotations

from datetime import timedelta

from servicekit.bus.relay import tidy_outbox
from servicekit.cli import migrate
from servicekit.service import Runtime


def migrated(runtime: Runtime) -> Runtime:
    """Migrated, its reference events (``after_migrate``) published and tidied away, so
    the outbox a test looks at holds only what the test did."""
    migrate(runtime)
    relay = runtime.relay()
    try:
        while relay.relay_once():
            pass
    finally:
        relay.close()
    tidy_outbox(runtime.database, keep=timedelta(0))
    return runtime
