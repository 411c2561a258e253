"""Demo courses for the embedded default (``make up``)."""
from __future__ import annotations

from servicekit.service import Runtime


def seed_demo(runtime: Runtime) -> None:
    return None
