"""What the transfer service counts for the monitoring dashboards (docs/operations.md,
"Metrics"; deploy/grafana/platform.json), once the rows' transaction has committed."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prometheus_client import Counter

TRANSFER_ROWS = Counter(
    "inservice_transfer_rows", "Rows of courses, attendance and withdrawals a source sent, "
    "by mode (file: an uploaded file; push: the API) and result (accepted: stored, changed "
    "or found unchanged; refused: a row with an error, stored nothing)", ["mode", "result"])


def count_rows(mode: str, answer: Mapping[str, Any]) -> None:
    """``answer``: what ``push.accept`` returned for a batch it committed."""
    accepted = sum(sum(counts.values()) for counts in answer["counts"].values())
    refused = len({(error["part"], error["row"]) for error in answer["errors"]})
    TRANSFER_ROWS.labels(mode, "accepted").inc(accepted)
    TRANSFER_ROWS.labels(mode, "refused").inc(refused)
