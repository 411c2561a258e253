"""The courses service's own commands (``python -m services.courses <command>``)."""
from __future__ import annotations

import argparse

from servicekit.service import Command, Runtime


def recount_lights(runtime: Runtime, _arguments: argparse.Namespace) -> object:
    """R-CRS-7: every unit's light counted again for today (a course becomes overdue by
    the calendar alone); run nightly by the CronJob courses-recount-lights."""
    from services.courses.handlers import lights
    components = runtime.components
    return lights.recount_all(components.uow(), runtime.clock, components.closing)


COMMANDS = (
    Command("recount-lights", "count every unit's traffic light again (R-CRS-7)",
            recount_lights),
)
