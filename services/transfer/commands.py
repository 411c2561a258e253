"""The transfer service's own commands (``python -m services.transfer <command>``):

    purge-files     daily: delete uploaded files and their reports (they hold national
                    IDs) older than TRANSFER_FILE_RETENTION_DAYS, logged with the count
"""
from __future__ import annotations

import argparse

from servicekit.service import Command, Runtime
from services.transfer.handlers.uploads import purge


def _purge(runtime: Runtime, _args: argparse.Namespace) -> dict:
    parts = runtime.components
    return purge(parts.unit_of_work(), runtime.clock, parts.file_rules.retention_days)


COMMANDS = (
    Command("purge-files", "delete uploaded files and reports past their retention (daily)",
            _purge),
)
