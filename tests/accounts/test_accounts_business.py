"""R-ACC-2: business accounts applied for, approved and enabled by the unit's authority
(the network for national units), disabled; the dormant-accounts report fed by the sso
service's sign-in events through the real consumer."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from accounts_helpers import (
    OPERATOR,
    deliver,
    outbox_events,
    refusal,
    reviewer,
    schools,
    sso_event,
    work,
)

from contracts.events.sso import ACCOUNT_SIGNED_IN as SIGNED_IN
from servicekit.errors import ApplicationError
from services.accounts.handlers import business_accounts as business
from services.accounts.handlers.units import register_unit


@pytest.fixture
def runtime(accounts):
    schools(accounts)
    register_unit(work(accounts), accounts.clock,
                  "NTNU", "國立臺灣師範大學", "teacher_education_university", "NETWORK", "TPE")
    return accounts


def test_several_accounts_per_unit_get_their_own_logins(runtime) -> None:
    logins = [business.apply(work(runtime), runtime.clock, "353301", f"承辦人{n}", f"p{n}@school.example").login
              for n in range(3)]
    assert logins == ["biz-353301", "biz-353301-2", "biz-353301-3"]
    [first, *_] = outbox_events(runtime, "accounts.account.created.v1")
    assert first["data"]["status"] == "pending" and first["data"]["kind"] == "business"
    assert first["data"]["unit_code"] == "353301" and first["data"]["county_code"] == "TPE"


def test_the_units_authority_approves_and_grants_the_business_role(runtime) -> None:
    applied = business.apply(work(runtime), runtime.clock, "193601", "承辦人", "a@school.example")
    for outsider in (reviewer("TPE"), OPERATOR):  # another county; the network, for a county unit
        with pytest.raises(ApplicationError) as refused:
            business.approve_account(work(runtime), runtime.clock, outsider, applied.account_id)
        assert refusal(refused.value).status == 404
    enabled = business.approve_account(work(runtime), runtime.clock, reviewer("TXG"), applied.account_id)
    assert (enabled.status, enabled.version, enabled.approved_by) == ("enabled", 2, "reviewer-txg")
    [updated] = outbox_events(runtime, "accounts.account.updated.v1")
    assert updated["data"]["status"] == "enabled"
    [granted] = outbox_events(runtime, "accounts.role.granted.v1")
    assert granted["data"] | {"grant_id": None} == {
        "grant_id": None, "account_id": str(applied.account_id), "role": "business",
        "unit_code": "193601", "authority_code": None, "version": 1}
    with pytest.raises(ApplicationError) as twice:
        business.approve_account(work(runtime), runtime.clock, reviewer("TXG"), applied.account_id)
    assert (refusal(twice.value).status, twice.value.slug) == (409, "invalid-transition")


def test_national_units_are_approved_by_the_network(runtime) -> None:
    applied = business.apply(work(runtime), runtime.clock, "NTNU", "承辦人", "a@ntnu.example")
    with pytest.raises(ApplicationError):
        business.approve_account(work(runtime), runtime.clock, reviewer("TPE"), applied.account_id)
    assert business.approve_account(work(runtime), runtime.clock, OPERATOR, applied.account_id).status == "enabled"


def test_disabling_and_the_limits_of_applying(runtime) -> None:
    applied = business.apply(work(runtime), runtime.clock, "353301", "承辦人", "a@school.example")
    disabled = business.disable_account(work(runtime), runtime.clock, reviewer("TPE"), applied.account_id)
    assert disabled.status == "disabled"
    assert outbox_events(runtime, "accounts.account.updated.v1")[-1]["data"]["status"] == "disabled"
    with pytest.raises(ApplicationError) as again:
        business.disable_account(work(runtime), runtime.clock, reviewer("TPE"), applied.account_id)
    assert again.value.slug == "invalid-transition"
    with pytest.raises(ApplicationError) as unknown:
        business.apply(work(runtime), runtime.clock, "NOPE", "承辦人", "a@school.example")
    assert unknown.value.slug == "unknown-unit"
    for n in range(business.MAX_PENDING_PER_UNIT):
        business.apply(work(runtime), runtime.clock, "413601", f"承辦人{n}", "a@school.example")
    with pytest.raises(ApplicationError) as flooded:
        business.apply(work(runtime), runtime.clock, "413601", "再一個", "a@school.example")
    assert (refusal(flooded.value).status, flooded.value.slug) == (409, "too-many-applications")


def test_the_dormant_report_follows_sign_ins_from_the_sso_service(runtime) -> None:
    active, idle, never, gone = (
        business.approve_account(work(runtime), runtime.clock, reviewer("TPE"),
                                 business.apply(work(runtime), runtime.clock,
                                                "353301", name, "a@school.example").account_id)
        for name in ("常用", "久未登入", "從未登入", "停用"))
    business.disable_account(work(runtime), runtime.clock, reviewer("TPE"), gone.account_id)
    now = datetime.now(UTC)
    later = now + timedelta(days=200)
    events = [sso_event(SIGNED_IN, account_id=str(active.account_id), method="password",
                        at=(later - timedelta(days=3)).isoformat()),
              sso_event(SIGNED_IN, account_id=str(active.account_id), method="password",
                        at=(later - timedelta(days=300)).isoformat()),  # older, arrives later
              sso_event(SIGNED_IN, account_id=str(idle.account_id), method="county_oidc",
                        county_code="TPE", at=(now + timedelta(days=5)).isoformat()),
              sso_event(SIGNED_IN, account_id="00000000-0000-4000-8000-000000000000",
                        method="password", at=now.isoformat())]  # unknown: ignored, not retried
    [outcome] = deliver(runtime, events)
    assert (outcome.applied, outcome.dead_lettered) == (4, 0)
    report = dormant_report(runtime, reviewer("TPE"), at=later)
    assert report["days"] == 180
    assert [(a["login"], a["days_without_sign_in"]) for a in report["accounts"]] == [
        (idle.login, 195), (never.login, 200)]
    assert dormant_report(runtime, reviewer("TXG"), at=later)["accounts"] == []
    assert len(dormant_report(runtime, OPERATOR, days=2, at=later)["accounts"]) == 3
    [again] = deliver(runtime, events[:1])  # the same event twice counts once
    assert (again.applied, again.duplicates) == (0, 1)


def dormant_report(runtime, principal, at, days=None):
    """The report as the route makes it (``DORMANT_DAYS`` unless told), on a clock at ``at``."""
    from servicekit.clock import FixedClock
    return business.dormant_report(work(runtime), FixedClock(at), principal,
                                   days or business.dormant_days(runtime.settings))


def test_dormant_days_is_a_setting(tmp_path) -> None:
    from accounts_helpers import make_runtime
    runtime = make_runtime({"DATA_DIR": str(tmp_path), "ACCOUNTS_DORMANT_DAYS": "30"})
    assert business.dormant_days(runtime.settings) == 30
    runtime.database.dispose()


def test_the_lifecycle_over_http(api) -> None:
    schools(api.runtime)
    applied = api.post("/business-accounts", role=None, json={
        "unit_code": "353301", "display_name": "建中研習承辦", "email": "biz@ck.example"})
    assert applied.status_code == 201 and applied.json["status"] == "pending"
    account_id = applied.json["account_id"]
    assert api.post(f"/business-accounts/{account_id}/approval", role="reviewer",
                    authority="TXG").status_code == 404
    approved = api.post(f"/business-accounts/{account_id}/approval", role="reviewer",
                        authority="TPE")
    assert approved.status_code == 200 and approved.json["status"] == "enabled"
    own = api.get("/business-accounts", role="business", unit="353301").json
    assert [a["login"] for a in own] == ["biz-353301"]
    assert api.get("/business-accounts", role="business", unit="193601").json == []
    assert api.get("/business-accounts?unit_code=353301", role="reviewer", authority="TXG").json == []
    report = api.get("/reports/dormant-business-accounts?days=1", role="reviewer", authority="TPE")
    assert report.status_code == 200 and report.json["accounts"] == []
    assert api.get("/reports/dormant-business-accounts", role="business",
                   unit="353301").status_code == 403
    disabled = api.post(f"/business-accounts/{account_id}/disabling", role="operator")
    assert disabled.status_code == 404  # a county's unit: the network does not act for it
    disabled = api.post(f"/business-accounts/{account_id}/disabling", role="reviewer",
                        authority="TPE")
    assert disabled.json["status"] == "disabled"
