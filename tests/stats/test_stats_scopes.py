"""Who sees what (issue 13, item 4), tried as an attacker would: each report × each kind
of caller, written by hand from the brief — ministry viewers, operators and admins read
every scope; a reviewer reads their authority only (and a unit's share while it was
theirs); a business account reads its own unit only; a teacher reads nothing. Each
report declares its scopes: a national-only report is refused to reviewers and units."""
from __future__ import annotations

import pytest
from stats_support import Stats

PROBLEM = "application/problem+json"

# report → (reviewer of own authority, business of own unit): allowed?
BY_REPORT = {
    "enrolments": (True, True),
    "courses-registered": (True, True),
    "reviews": (True, True),
    "courses-held": (False, False),
    "visits": (False, False),
    "yearbook": (False, False),
    "areas?by=unit": (True, True),
    "areas?by=county": (False, False),  # grouped across authorities: national only
    "tags": (False, False),
    "transfer-sources": (False, False),
    "meeting-keywords": (False, False),
    "idle-universities": (False, False),
    "overdue-lists": (True, True),
}


RANGES = {"visits": "from=2017-06-01&to=2017-06-10", "yearbook": "from=2016&to=2017"}


def _path(report: str) -> str:
    span = RANGES.get(report, "from=2017-01&to=2017-06")
    return f"/reports/{report}{'&' if '?' in report else '?'}{span}"


@pytest.mark.parametrize("report", sorted(BY_REPORT))
def test_each_report_in_each_scope(stats: Stats, report: str) -> None:
    reviewer_may, business_may = BY_REPORT[report]
    path = _path(report)
    for role in ("viewer", "operator", "admin"):
        assert stats.get(path, role=role).status_code == 200, role
        assert stats.get(path + "&authority=TXG", role=role).status_code == (
            200 if reviewer_may else 403)
    answer = stats.get(path, role="reviewer", authority="TXG")
    assert answer.status_code == (200 if reviewer_may else 403), answer.get_json()
    answer = stats.get(path, role="business", unit="193301")
    assert answer.status_code == (200 if business_may else 403), answer.get_json()
    assert stats.get(path, role="teacher").status_code == 403
    assert stats.get(path, role=None).status_code == 401


@pytest.mark.parametrize("ask", ["authority=TPE", "authority=TPE&unit=193301"])
def test_a_reviewer_may_not_read_another_authority(stats: Stats, ask: str) -> None:
    answer = stats.get(f"/reports/enrolments?{ask}", role="reviewer", authority="TXG")
    assert answer.status_code == 403 and answer.mimetype == PROBLEM
    assert answer.get_json()["type"] == "urn:inservice:problem:out-of-scope"


@pytest.mark.parametrize("ask", ["unit=353301", "authority=TXG", "authority=TXG&unit=193301"])
def test_a_business_account_may_not_read_another_unit_or_an_authority(stats: Stats,
                                                                      ask: str) -> None:
    answer = stats.get(f"/reports/enrolments?{ask}", role="business", unit="193301")
    assert answer.status_code == 403
    assert answer.get_json()["type"] == "urn:inservice:problem:out-of-scope"


def test_a_reviewer_reads_a_unit_only_as_its_authority_share(stats: Stats) -> None:
    answer = stats.get("/reports/enrolments?unit=193301", role="reviewer", authority="TXG")
    assert answer.status_code == 200
    assert answer.get_json()["scope"] == {"kind": "authority", "authority": "TXG",
                                          "unit": "193301",
                                          "label": "單位 193301（主管機關 TXG 期間）"}
    english = stats.get("/reports/enrolments?unit=193301&lang=en", role="reviewer",
                        authority="TXG")
    assert english.get_json()["scope"]["label"] == "unit 193301 under authority TXG"


def test_a_token_without_its_scope_claim_reads_nothing(stats: Stats) -> None:
    for role in ("reviewer", "business"):
        answer = stats.get("/reports/enrolments", role=role)
        assert answer.status_code == 403, role
        assert answer.get_json()["type"] == "urn:inservice:problem:out-of-scope"
