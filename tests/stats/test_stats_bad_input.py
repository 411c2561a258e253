"""Bad input to a report (issue 13, "Bad input"): an unknown report, dimension or period,
a future period, a range over the maximum, a malformed period: each a problem+json whose
type names what is wrong and whose member names the field."""
from __future__ import annotations

import pytest
from stats_support import Stats

PROBLEM = "application/problem+json"


@pytest.mark.parametrize("path, status, slug, field", [
    ("/reports/nonsense", 404, "unknown-report", None),
    ("/reports/areas?by=planet", 422, "unknown-dimension", "by"),
    ("/reports/enrolments?period=week", 422, "unknown-period", "period"),
    ("/reports/enrolments?from=2017-13", 422, "invalid-period", "from"),
    ("/reports/enrolments?from=2017-4", 422, "invalid-period", "from"),
    ("/reports/enrolments?from=1999-01", 422, "invalid-period", "from"),
    ("/reports/enrolments?from=2017-05&to=2017-01", 422, "invalid-period", "from"),
    ("/reports/enrolments?to=2017-07", 422, "future-period", "to"),  # the clock: 2017-06-15
    ("/reports/reviews?period=day&from=2017-06-16", 422, "future-period", "from"),
    ("/reports/reviews?period=day&from=2016-01-01&to=2017-06-01", 422, "range-too-long", "from"),
    ("/reports/enrolments?from=2003-01&to=2017-06", 200, None, None),  # 174 months: allowed
    ("/reports/enrolments?format=pdf", 422, "validation-failed", "format"),
    ("/reports/enrolments?lang=fr", 422, "validation-failed", "lang"),
    ("/reports/enrolments?unit=a%20b", 422, "validation-failed", "unit"),
])
def test_bad_input_is_a_problem_naming_the_field(stats: Stats, path: str, status: int,
                                                 slug: str | None, field: str | None) -> None:
    answer = stats.get(path)
    assert answer.status_code == status, answer.get_data(as_text=True)
    if slug is None:
        return
    assert answer.mimetype == PROBLEM
    problem = answer.get_json()
    assert problem["type"] == f"urn:inservice:problem:{slug}"
    if slug == "validation-failed":
        assert field in problem["errors"]
    elif field:
        assert problem["field"] == field
