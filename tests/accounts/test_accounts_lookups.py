"""R-ACC-1, R-ACC-2: a lookup by national ID answers in full (account, login, name, school)
only for teachers inside the caller's scope — its own unit for a business account, its
authority's schools for a reviewer, every school for the network's staff — and only
"found" for any other. Every lookup is audited (who, when, the caller's scope, how many
IDs, how many found; never the IDs nor their hashes), and an account looks up at most
NATIONAL_ID_LOOKUPS_PER_DAY IDs a day (429 beyond, with Retry-After)."""
from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from accounts_helpers import (
    OPERATOR,
    lookup,
    make_runtime,
    refusal,
    reviewer,
    schools,
    teacher_id,
    vault,
    work,
)
from sqlalchemy import select

from servicekit.clock import FixedClock
from servicekit.errors import ApplicationError, LimitReached
from servicekit.service import Runtime
from servicekit.tokens import Principal
from services.accounts.adapters.orm import accounts as accounts_table
from services.accounts.adapters.orm import national_id_lookup_quotas, national_id_lookups
from services.accounts.handlers import national_ids
from services.accounts.handlers.teacher_import import import_rows

# Teacher 1 at 353301 and teacher 2 at 413601 (both Taipei), teacher 3 at 193601 (Taichung).
PLACES = {1: "353301", 2: "413601", 3: "193601"}
IDS = [teacher_id(n) for n in PLACES]
UNKNOWN = teacher_id(99)


def make_teachers(runtime: Runtime) -> dict[int, str]:
    schools(runtime)
    report = import_rows(work(runtime), runtime.clock, vault(runtime), OPERATOR, [
        (n, {"national_id": teacher_id(n), "name": f"教師{n}", "school_code": school})
        for n, school in PLACES.items()])
    return {n: row.account_id for n, row in zip(PLACES, report.rows, strict=True)}


def full(account_id: str, n: int) -> dict:
    return {"found": True, "account_id": account_id, "login": f"teacher0000{n}",
            "display_name": f"教師{n}", "unit_code": PLACES[n]}


def audit_rows(runtime: Runtime) -> list[dict]:
    with runtime.database.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(
            select(national_id_lookups).order_by(national_id_lookups.c.id))]


def business(unit: str) -> Principal:
    return Principal(subject=f"business-{unit}", roles=frozenset({"business"}), unit=unit)


@pytest.fixture
def runtime(accounts) -> Runtime:
    return accounts


@pytest.fixture
def teachers(runtime) -> dict[int, str]:
    return make_teachers(runtime)


def test_each_caller_sees_in_full_only_its_own_teachers(runtime, teachers) -> None:
    found = {"found": True}
    expected = {  # written out by hand: caller → answers for teachers 1, 2, 3 and an unknown ID
        "business of 353301": (business("353301"), [full(teachers[1], 1), found, found]),
        "business of 413601": (business("413601"), [found, full(teachers[2], 2), found]),
        "reviewer of TPE": (reviewer("TPE"), [full(teachers[1], 1), full(teachers[2], 2), found]),
        "reviewer of TXG": (reviewer("TXG"), [found, found, full(teachers[3], 3)]),
        "reviewer without authority": (Principal("r", frozenset({"reviewer"})),
                                       [found, found, found]),
        "operator": (OPERATOR, [full(teachers[1], 1), full(teachers[2], 2), full(teachers[3], 3)]),
        "admin": (Principal("admin-1", frozenset({"admin"})),
                  [full(teachers[1], 1), full(teachers[2], 2), full(teachers[3], 3)]),
    }
    for name, (principal, answers) in expected.items():
        assert lookup(runtime, principal, IDS + [UNKNOWN]) == answers + [
            {"found": False}], name


def test_every_lookup_is_audited_without_the_ids(runtime, teachers) -> None:
    # Held still, but on the day the teachers joined their schools (the fixture's real
    # today, in Taipei): a moment fixed on another day would find them not yet there.
    moment = runtime.clock.now().replace(microsecond=0)
    runtime.clock = FixedClock(moment)
    lookup(runtime, business("353301"), IDS + [UNKNOWN, "A123456788"])
    lookup(runtime, reviewer("TXG"), [IDS[2]])
    lookup(runtime, OPERATOR, IDS[:2])
    rows = audit_rows(runtime)
    assert [{k: v for k, v in row.items() if k not in ("id", "looked_up_at")} for row in rows] == [
        {"looked_up_by": "business-353301", "roles": "business", "authority_code": None,
         "unit_code": "353301", "scope": "unit", "ids_count": 5, "found_count": 3,
         "answered_in_full": 1, "outcome": "answered"},
        {"looked_up_by": "reviewer-txg", "roles": "reviewer", "authority_code": "TXG",
         "unit_code": None, "scope": "authority", "ids_count": 1, "found_count": 1,
         "answered_in_full": 1, "outcome": "answered"},
        {"looked_up_by": "operator-1", "roles": "operator", "authority_code": None,
         "unit_code": None, "scope": "national", "ids_count": 2, "found_count": 2,
         "answered_in_full": 2, "outcome": "answered"},
    ]
    assert {row["looked_up_at"].replace(tzinfo=UTC) for row in rows} == {moment}
    with runtime.database.engine.connect() as connection:
        hashes = [h.hex() for h in connection.scalars(select(accounts_table.c.national_id_hash)
                                                      .where(accounts_table.c.kind == "teacher"))]
    stored = repr(rows)
    for secret in IDS + [UNKNOWN] + hashes:
        assert secret not in stored


def test_the_quota_is_counted_in_ids_and_refused_beyond_with_retry_after(tmp_path) -> None:
    runtime = make_runtime({"DATA_DIR": str(tmp_path), "NATIONAL_ID_LOOKUPS_PER_DAY": "5"})
    try:
        make_teachers(runtime)
        # 23:00 in Taipei: the quota starts again in an hour.
        late = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
        runtime.clock = clock = FixedClock(late)
        lookup(runtime, reviewer("TPE"), IDS)  # 3
        with pytest.raises(LimitReached) as refused:
            lookup(runtime, reviewer("TPE"), IDS)  # 3 more: 6 > 5
        assert (refusal(refused.value).status, refused.value.slug) == (429, "lookup-quota-exceeded")
        assert refusal(refused.value).type == "urn:inservice:problem:lookup-quota-exceeded"
        assert refusal(refused.value).headers == {"Retry-After": "3600"}
        assert refusal(refused.value).extensions == {"quota_per_day": 5}
        lookup(runtime, reviewer("TPE"), IDS[:2])  # exactly 5: still in
        with pytest.raises(LimitReached):
            lookup(runtime, reviewer("TPE"), [UNKNOWN])
        lookup(runtime, reviewer("TXG"), IDS)  # another account's own quota
        clock.advance(hours=1, seconds=1)
        assert len(lookup(runtime, reviewer("TPE"), IDS + IDS[:2])) == 5
        outcomes = [(r["looked_up_by"], r["ids_count"], r["found_count"], r["outcome"])
                    for r in audit_rows(runtime)]
        assert outcomes == [
            ("reviewer-tpe", 3, 3, "answered"), ("reviewer-tpe", 3, 0, "over-quota"),
            ("reviewer-tpe", 2, 2, "answered"), ("reviewer-tpe", 1, 0, "over-quota"),
            ("reviewer-txg", 3, 3, "answered"), ("reviewer-tpe", 5, 5, "answered")]
    finally:
        runtime.database.dispose()


def test_the_quota_setting_must_be_a_positive_number(tmp_path) -> None:
    from servicekit.settings import InvalidSetting
    runtime = make_runtime({"DATA_DIR": str(tmp_path), "NATIONAL_ID_LOOKUPS_PER_DAY": "0"})
    try:
        with pytest.raises(InvalidSetting):
            lookup(runtime, OPERATOR, IDS)
    finally:
        runtime.database.dispose()


def test_over_http_outside_the_scope_found_only_and_429_beyond_the_quota(api, monkeypatch) -> None:
    monkeypatch.setattr(national_ids, "DEFAULT_LOOKUPS_PER_DAY", 4)  # the setting unset
    teachers = make_teachers(api.runtime)
    answer = api.post("/teachers/lookups", role="business", unit="413601",
                      json={"national_ids": IDS[:2]})
    assert answer.status_code == 200
    assert answer.json == [{"found": True}, full(teachers[2], 2)]
    refused = api.post("/teachers/lookups", role="business", unit="413601",
                       json={"national_ids": IDS})
    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 24 * 3600
    assert refused.json["type"] == "urn:inservice:problem:lookup-quota-exceeded"
    assert refused.json["quota_per_day"] == 4
    assert api.post("/teachers/lookups", role="business", unit="413601",
                    json={"national_ids": IDS[:2]}).status_code == 200  # 4: still in


@pytest.mark.postgres
def test_concurrent_lookups_never_go_beyond_the_quota(make_database) -> None:
    runtime = make_runtime({"MODE": "production", "DATABASE_URL": make_database("accounts"),
                            "TOKEN_ISSUER": "https://inservice.test", "JWKS_URL": "http://127.0.0.1:9/jwks.json",
                            "NATIONAL_ID_HASH_KEY": "test hash key " * 4,
                            "NATIONAL_ID_ENCRYPTION_KEY": "test encryption key " * 4,
                            "NATIONAL_ID_LOOKUPS_PER_DAY": "100"})
    try:
        make_teachers(runtime)
        numbers = [teacher_id(n) for n in range(100, 110)]  # 10 IDs a call
        outcomes: list[str] = []
        start = threading.Barrier(16)

        def look() -> None:
            start.wait()
            try:
                lookup(runtime, reviewer("TPE"), numbers)
                outcomes.append("answered")
            except ApplicationError as problem:
                outcomes.append(problem.slug)
        threads = [threading.Thread(target=look) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(outcomes) == ["answered"] * 10 + ["lookup-quota-exceeded"] * 6
        with runtime.database.engine.connect() as connection:
            assert connection.execute(select(national_id_lookup_quotas.c.account,
                                             national_id_lookup_quotas.c.used)).all() == [
                ("reviewer-tpe", 100)]
        assert sum(r["ids_count"] for r in audit_rows(runtime)
                   if r["outcome"] == "answered") == 100
    finally:
        runtime.database.dispose()
