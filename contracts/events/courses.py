"""Events the courses service publishes (R-CRS-*). Three parts of the service add to this
module, each in its own section below: the lifecycle (register, review), enrolment, and
closing with hours, amendments, the traffic light and the transcript."""
from __future__ import annotations

from marshmallow import Schema

# -- lifecycle: courses registered, submitted, reviewed (R-CRS-1…3) -------------------------
LIFECYCLE: dict[str, type[Schema]] = {}

# -- enrolment: enrolled, waitlisted, promoted, accepted, declined, drawn (R-CRS-4) ---------
ENROLMENT: dict[str, type[Schema]] = {}

# -- closing: attendance, hours issued, amendments, traffic light (R-CRS-5…7, R-CRS-11) -----
CLOSING: dict[str, type[Schema]] = {}

SCHEMAS: dict[str, type[Schema]] = {**LIFECYCLE, **ENROLMENT, **CLOSING}
