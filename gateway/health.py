"""The gateway's health report: itself, and each service's ``/healthz`` as it sees it."""
from __future__ import annotations

from typing import Any

from gateway.proxy import Upstreams

HEALTH_TIMEOUT = 1.0  # a probe must answer quickly even when a service hangs


def health_report(upstreams: Upstreams, headers: dict[str, str] | None = None) -> dict[str, Any]:
    answers = upstreams.fetch_all("/healthz", HEALTH_TIMEOUT, headers)
    services = {service: "ok" if answer is not None and answer.status_code == 200 else "unavailable"
                for service, answer in answers.items()}
    status = "ok" if all(state == "ok" for state in services.values()) else "degraded"
    return {"status": status, "service": "gateway", "services": services}
