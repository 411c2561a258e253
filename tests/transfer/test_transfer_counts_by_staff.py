"""A source states its monthly counts through its unit's staff (R-TRF-11, issue 12 item 6):
the same use case as its machine token, for a business account of the owner unit and the
network's staff; another unit's business account is answered 404, another role 403; who
stated the counts is kept with them and logged."""
from __future__ import annotations

import logging

import pytest
from test_transfer_rules import at, clocked, command
from transfer_helpers import machine_token, open_source

from services.transfer.adapters.tables import reported_counts

COUNTS = {"courses": 2, "attendance": 40, "hours": "120.0"}
PATH = "/sources/tpe-edu/reported-counts/2026-03"


@pytest.fixture
def source_api(api):
    clock = clocked(api, "2026-02-15")
    open_source(api, "tpe-edu", unit="313301")
    clock.set(at("2026-04-02"))
    return api


def _kept(api) -> list[tuple[str, int, str]]:
    with api.runtime.database.engine.connect() as connection:
        return [(row.source, row.attendance, row.reported_by)
                for row in connection.execute(reported_counts.select())]


@pytest.mark.parametrize("role, unit, status", [
    ("business", "313301", 200),   # the owner unit's staff
    ("operator", None, 200),
    ("admin", None, 200),
    ("business", "353301", 404),   # another unit's: as if the source did not exist
    ("teacher", None, 403),
    ("reviewer", None, 403),
    ("viewer", None, 403),
    (None, None, 401),
])
def test_who_states_a_source_s_counts(source_api, role, unit, status) -> None:
    answer = source_api.call("put", PATH, role=role, unit=unit, json=COUNTS)
    assert answer.status_code == status, answer.json
    if status == 200:
        assert answer.json == {"source": "tpe-edu", "month": "2026-03", "courses": 2,
                               "attendance": 40, "hours": "120.0",
                               "reported_by": f"{role}-1"}
        assert _kept(source_api) == [("tpe-edu", 40, f"{role}-1")]
    else:
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        assert answer.json["type"].endswith(
            {404: "not-found", 403: "forbidden", 401: "unauthenticated"}[status])
        assert _kept(source_api) == []


def test_a_role_is_refused_before_its_body_is_read(source_api) -> None:
    refused = source_api.call("put", PATH, role="teacher", json={"courses": -1})
    assert refused.status_code == 403


def test_the_staff_s_counts_go_through_the_same_rules_and_replace_the_source_s(
        source_api, caplog) -> None:
    api = source_api
    caplog.set_level(logging.INFO, logger="transfer.rules")
    by_machine = api.client.put(PATH, json=COUNTS, headers={
        "Authorization": f"Bearer {machine_token('tpe-edu')}"})
    assert by_machine.status_code == 200 and by_machine.json["reported_by"] == \
        "source-tpe-edu"
    bad = api.call("put", PATH, role="business", unit="313301",
                   json={**COUNTS, "hours": "1.25"})
    assert bad.status_code == 422 and bad.json["type"].endswith("validation-failed")
    open_month = api.call("put", "/sources/tpe-edu/reported-counts/2026-04",
                          role="business", unit="313301", json=COUNTS)
    assert open_month.status_code == 422 and open_month.json["type"].endswith(
        "month-not-closed")
    unknown = api.call("put", "/sources/nobody/reported-counts/2026-03", json=COUNTS)
    assert unknown.status_code == 404
    fixed = api.call("put", PATH, role="business", unit="313301",
                     json={**COUNTS, "attendance": 41})
    assert fixed.status_code == 200
    assert _kept(api) == [("tpe-edu", 41, "business-1")]
    stated = [(r.source, r.by, getattr(r, "as"), r.unit) for r in caplog.records
              if r.getMessage() == "source counts stated"]
    assert stated == [("tpe-edu", "source-tpe-edu", "source", None),
                      ("tpe-edu", "business-1", "business", "313301")]
    # The audit reads the counts whoever stated them.
    [audit] = command(api, "open-audits")["opened"]
    [line] = api.call("get", f"/sources/tpe-edu/audits/{_audit_id(api)}").json["lines"]
    assert audit["kind"] == "monthly" and line["reported"]["attendance"] == 41


def _audit_id(api) -> str:
    [audit] = api.call("get", "/sources/tpe-edu/audits").json
    return audit["audit_id"]


def test_an_archived_source_takes_no_counts_from_its_staff(source_api) -> None:
    assert source_api.call("post", "/sources/tpe-edu/state",
                           json={"state": "archived"}).status_code == 200
    closed = source_api.call("put", PATH, role="business", unit="313301", json=COUNTS)
    assert closed.status_code == 409 and closed.json["type"].endswith("source-closed")


def test_the_months_stated_are_read_with_who_stated_them_and_when(source_api) -> None:
    """What the web's audits page lists: newest month first, with who and when; read by
    whoever reads the source (another unit's business account: 404)."""
    assert source_api.call("put", PATH, role="business", unit="313301",
                           json=COUNTS).status_code == 200
    assert source_api.call("put", "/sources/tpe-edu/reported-counts/2026-02", role="operator",
                           json={**COUNTS, "hours": "7.5"}).status_code == 200
    path = "/sources/tpe-edu/reported-counts"
    stated = source_api.call("get", path, role="business", unit="313301")
    assert stated.status_code == 200
    assert stated.json == [
        {"month": "2026-03", "courses": 2, "attendance": 40, "hours": "120.0",
         "reported_by": "business-1", "reported_at": "2026-04-02T04:00:00+00:00"},
        {"month": "2026-02", "courses": 2, "attendance": 40, "hours": "7.5",
         "reported_by": "operator-1", "reported_at": "2026-04-02T04:00:00+00:00"}]
    assert source_api.call("get", path, role="business", unit="353301").status_code == 404
    assert source_api.call("get", path, role="teacher").status_code == 403
    assert source_api.call("get", path, role=None).status_code == 401
    assert source_api.call("get", "/sources/none-such/reported-counts").status_code == 404
