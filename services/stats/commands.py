"""The stats service's commands."""
from __future__ import annotations

import argparse

from servicekit.service import Command, Runtime
from services.stats.handlers.rebuild import rebuild


def _rebuild(runtime: Runtime, _args: argparse.Namespace) -> object:
    return rebuild(runtime.database, runtime.definition.catalogue)


COMMANDS = (
    Command("rebuild", "empty the figures and replay every fact kept (after a new figure is "
            "declared, or to repair one); readers see the old figures until it commits",
            _rebuild),
)
