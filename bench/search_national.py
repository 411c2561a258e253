"""Scenario ``search-national`` (``make bench-search-national``): the ``search`` scenario
grown on to 2 M courses, the catalogue's size since 2003."""
from __future__ import annotations

from typing import Any

from bench.search import run_national


def run() -> dict[str, Any]:
    return run_national()
