"""R-ACC-3: a data-update campaign with a deadline, the authorities it asks, which of
them confirmed, and the report (the minutes' table of 23 bureaus with ■ and □)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from accounts_helpers import OPERATOR, refusal, reviewer, work

from servicekit.errors import ApplicationError
from services.accounts import demo_data
from services.accounts.handlers import campaigns

TAIPEI = timezone(timedelta(hours=8))


def test_the_2017_campaign_and_its_report(accounts) -> None:
    campaigns.open_campaign(work(accounts), accounts.clock, OPERATOR, **demo_data.CAMPAIGN)
    for code in demo_data.CONFIRMED:
        campaigns.confirm(work(accounts), accounts.clock, OPERATOR, "2017-teacher-data", code, "副知",
                          at=datetime(2017, 4, 27, 10, tzinfo=TAIPEI))
    report = campaigns.campaign_report(work(accounts), accounts.clock, "2017-teacher-data")
    assert (report["asked"], report["confirmed"]) == (23, 9)
    marks = "".join(line.mark for line in report["lines"])
    assert marks == "□□■■■■□□□□□■■□■■□□□□□□■"  # the minutes' column, 01 to 23
    assert report["lines"][0].authority_name == "新北市政府教育局"
    assert all(line.overdue for line in report["lines"] if not line.confirmed)
    assert not any(line.late for line in report["lines"])


def test_reviewers_confirm_for_their_own_authority_only(accounts) -> None:
    deadline = datetime.now(UTC) + timedelta(days=30)
    campaigns.open_campaign(work(accounts), accounts.clock, OPERATOR, "資料更新", deadline, ["TPE", "TNN"],
                            campaign_id="c1")
    with pytest.raises(ApplicationError) as other:
        campaigns.confirm(work(accounts), accounts.clock, reviewer("TNN"), "c1", "TPE")
    assert refusal(other.value).status == 404
    with pytest.raises(ApplicationError) as not_asked:
        campaigns.confirm(work(accounts), accounts.clock, reviewer("TXG"), "c1", "TXG")
    assert not_asked.value.slug == "authority-not-in-campaign"
    campaigns.confirm(work(accounts), accounts.clock, reviewer("TPE"), "c1", "TPE", "已函轉所屬學校")
    with pytest.raises(ApplicationError) as twice:
        campaigns.confirm(work(accounts), accounts.clock, OPERATOR, "c1", "TPE")
    assert twice.value.slug == "already-confirmed"
    report = campaigns.campaign_report(work(accounts), accounts.clock, "c1")
    assert [(line.authority_code, line.mark, line.overdue) for line in report["lines"]] == [
        ("TPE", "■", False), ("TNN", "□", False)]


@pytest.mark.parametrize("title, authorities, slug", [
    ("", ["TPE"], "invalid-campaign"), ("資料更新", [], "invalid-campaign"),
    ("資料更新", ["TPE", "TPE"], "invalid-campaign"), ("資料更新", ["TPE", "XXX"], "unknown-authority"),
])
def test_bad_campaigns_are_refused(accounts, title, authorities, slug) -> None:
    with pytest.raises(ApplicationError) as refused:
        campaigns.open_campaign(work(accounts), accounts.clock, OPERATOR, title, datetime.now(UTC), authorities)
    assert refused.value.slug == slug


def test_campaigns_over_http(api) -> None:
    opened = api.post("/campaigns", json={"title": "106年度教師資料更新", "campaign_id": "c2017",
                                          "deadline": "2017-04-28T17:00:00+08:00",
                                          "authority_codes": ["TAO", "NWT", "K12EA"]})
    assert opened.status_code == 201, opened.json
    confirmed = api.post("/campaigns/c2017/confirmations", role="reviewer", authority="TAO",
                         json={"authority_code": "TAO"})
    assert confirmed.status_code == 201
    report = api.get("/campaigns/c2017/report", role="viewer").json
    assert [(line["authority_code"], line["mark"], line["late"]) for line in report["lines"]] == [
        ("NWT", "□", False), ("TAO", "■", True), ("K12EA", "□", False)]  # confirmed after it closed
    assert api.get("/campaigns", role="viewer").json[0]["campaign_id"] == "c2017"
    assert api.get("/campaigns/nope/report", role="viewer").status_code == 404
