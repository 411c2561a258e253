"""What the sso service counts for the monitoring dashboards (docs/operations.md,
"Metrics"; deploy/grafana/platform.json): one sign-in per login record (R-ACC-4) kept,
counted once the record's transaction has committed."""
from __future__ import annotations

from prometheus_client import Counter

SIGN_INS = Counter(
    "inservice_sign_ins", "Sign-in attempts, by method (password, county_service, "
    "county_oidc, …) and result (success, failure, locked)", ["method", "result"])
