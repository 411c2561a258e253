"""What the courses service counts for the monitoring dashboards (docs/operations.md,
"Metrics"; deploy/grafana/platform.json), counted by the use case once its transaction
has committed: an attempt rolled back is not counted."""
from __future__ import annotations

from prometheus_client import Counter

ENROLMENTS = Counter(
    "inservice_enrolments", "Teachers' enrolment attempts, by outcome: the place taken "
    "(enrolled, pending, waitlisted, applied) or the refusal (course-full, "
    "already-enrolled, duplicate-session, enrolment-closed)", ["outcome"])
REVIEWS = Counter("inservice_reviews", "Courses reviewed by their reviewing authority, by "
                  "decision (approve, return)", ["decision"])
