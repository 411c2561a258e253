"""One JSON file per scenario: its figures, the baseline measured in the same run, the
ratio between them, and enough context (parameters, date, cores) to compare runs."""
from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def load_average() -> float:
    """Others' work on the machine moves the figures; this says how busy it was."""
    return round(os.getloadavg()[0], 2)


def write_result(scenario: str, figures: dict[str, Any], parameters: dict[str, Any],
                 load_at_start: float) -> dict[str, Any]:
    result = {
        "scenario": scenario,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": _nproc(),
        # Taken before the scenario starts its own processes, which load the machine too.
        "load_average_1m_at_start": load_at_start,
        "parameters": parameters,
        **figures,
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{scenario}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return result


def _nproc() -> int:
    """What ``nproc`` prints: the cores this process may run on, not all the host has."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
