"""R-ORG-1…4: authorities seeded for every mode, units, jurisdiction transfer with an
effective date and its history, review routing rules that change on a date."""
from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from accounts_helpers import outbox_count, outbox_events, refusal, work

from contracts.events import CATALOGUE
from servicekit.errors import ApplicationError
from servicekit.service import Runtime
from servicekit.settings import Settings
from services.accounts.bootstrap import DEFINITION
from services.accounts.handlers import routing, units
from services.accounts.handlers.authorities import list_authorities, seed_reference_data
from services.accounts.handlers.jurisdiction import transfer_units

ROOT = Path(__file__).resolve().parents[2]
# The 39 Taichung schools of 2017-01-01: national until then, municipal from then on.
TAICHUNG = [f"19{n:04d}" for n in range(1, 40)]


def national_schools_in_taichung(accounts) -> None:
    for code in TAICHUNG:
        units.register_unit(work(accounts), accounts.clock, code, f"國立臺中學校 {code}", "senior_high_school", "K12EA",
                            "TXG", jurisdiction_from=date(2003, 1, 1))


def test_the_migration_seeds_every_authority_with_its_bureau_name(accounts) -> None:
    authorities = {a.code: a for a in list_authorities(work(accounts))}
    assert len(authorities) == 24
    assert authorities["TPE"].name == "臺北市政府教育局"
    assert authorities["KIN"].name == "金門縣政府教育局"
    assert authorities["LIE"].name == "連江縣政府教育處"
    assert authorities["K12EA"].name == "教育部國民及學前教育署" and authorities["K12EA"].position == 23
    assert authorities["NETWORK"].county_code is None


def test_seeding_reference_data_announces_each_authority_once(accounts) -> None:
    assert seed_reference_data(accounts) == {"changed": 0, "announced": 0}  # migrate did


def test_migrate_announces_the_authorities_once_in_production_mode(tmp_path) -> None:
    database = tmp_path / "accounts.sqlite3"
    env = {"PATH": "/usr/bin:/bin", "ACCOUNTS_MODE": "production",
           "ACCOUNTS_TOKEN_ISSUER": "https://inservice.test",
           "ACCOUNTS_JWKS_URL": "http://127.0.0.1:9/jwks.json",
           "ACCOUNTS_DATA_DIR": str(tmp_path), "ACCOUNTS_DATABASE_URL": f"sqlite:///{database}",
           "ACCOUNTS_NATIONAL_ID_HASH_KEY": "k" * 48,
           "ACCOUNTS_NATIONAL_ID_ENCRYPTION_KEY": "e" * 48, "ACCOUNTS_LOG_LEVEL": "WARNING"}
    for _ in range(2):  # a second migrate announces nothing new
        done = subprocess.run([sys.executable, "-m", "services.accounts", "migrate"], cwd=ROOT,
                              env=env, capture_output=True, text=True, check=False, timeout=60)
        assert done.returncode == 0, done.stderr
    runtime = Runtime(DEFINITION, Settings.from_env("accounts", env))
    events = outbox_events(runtime, "accounts.authority.registered.v1")
    runtime.database.dispose()
    assert len(events) == 24
    assert {e["data"]["authority_code"] for e in events} >= {"TXG", "K12EA", "NETWORK"}


def test_a_unit_is_registered_with_its_county_and_an_event(accounts) -> None:
    unit = units.register_unit(work(accounts), accounts.clock,
                               "353301", "臺北市立建國高級中學", "senior_high_school", "TPE")
    assert (unit.authority_code, unit.county_code) == ("TPE", "TPE")  # the authority's county
    [event] = outbox_events(accounts, "accounts.unit.registered.v1")
    assert event["data"] == {"unit_code": "353301", "name": "臺北市立建國高級中學",
                             "unit_type": "senior_high_school", "authority_code": "TPE",
                             "county_code": "TPE", "version": 1}


@pytest.mark.parametrize("arguments, slug", [
    (("U1", "學校", "senior_high_school", "XXX"), "unknown-authority"),
    (("U 1", "學校", "senior_high_school", "TPE"), "invalid-unit"),
    (("U1", "學校", "castle", "TPE"), "invalid-unit"),
])
def test_bad_units_are_refused(accounts, arguments, slug) -> None:
    with pytest.raises(ApplicationError) as refused:
        units.register_unit(work(accounts), accounts.clock, *arguments)
    assert refused.value.slug == slug and refusal(refused.value).status == 422
    assert outbox_count(accounts) == 0


def test_a_batch_transfer_moves_review_from_its_date_and_keeps_the_past(accounts) -> None:
    national_schools_in_taichung(accounts)
    moved = transfer_units(work(accounts), accounts.clock, TAICHUNG, "TXG", date(2017, 1, 1), "臺中市國立高中職改制")
    assert len(moved) == 39 and {m.from_authority_code for m in moved} == {"K12EA"}
    for day, authority in ((date(2016, 12, 31), "K12EA"), (date(2017, 1, 1), "TXG"),
                           (date(2010, 6, 1), "K12EA"), (datetime.now(UTC).date(), "TXG")):
        assert units.reviewer_on(work(accounts), accounts.clock, "190007", day)["reviewing_authority_code"] == authority
    assert [(p.authority_code, p.valid_from, p.valid_until)
            for p in units.jurisdiction_history(work(accounts), accounts.clock, "190007")] == [
        ("K12EA", date(2003, 1, 1), date(2017, 1, 1)), ("TXG", date(2017, 1, 1), None)]
    assert units.find_unit(work(accounts), accounts.clock, "190007").authority_code == "TXG"
    changed = outbox_events(accounts, "accounts.unit.jurisdiction_changed.v1")
    assert len(changed) == 39
    assert changed[0]["data"] == {"unit_code": "190001", "from_authority_code": "K12EA",
                                  "to_authority_code": "TXG", "effective_from": "2017-01-01",
                                  "transfer_reference": "臺中市國立高中職改制", "version": 2}
    assert len(outbox_events(accounts, "accounts.unit.updated.v1")) == 39
    assert [u.code for u in units.list_units(work(accounts), accounts.clock, authority_code="TXG")] == TAICHUNG
    assert units.list_units(work(accounts), accounts.clock,
                            authority_code="K12EA", on=date(2016, 1, 1))[0].code == "190001"


def test_a_transfer_dated_later_is_announced_now_and_takes_effect_on_its_date(accounts) -> None:
    units.register_unit(work(accounts), accounts.clock, "U1", "學校", "elementary_school", "TPE")
    future = date(2099, 8, 1)
    transfer_units(work(accounts), accounts.clock, ["U1"], "NWT", future, "合併")
    assert units.find_unit(work(accounts), accounts.clock, "U1").authority_code == "TPE"
    assert units.reviewer_on(work(accounts), accounts.clock, "U1", future)["reviewing_authority_code"] == "NWT"
    assert outbox_events(accounts, "accounts.unit.updated.v1") == []  # nothing changed today
    assert len(outbox_events(accounts, "accounts.unit.jurisdiction_changed.v1")) == 1


def test_an_overlapping_transfer_is_refused_for_the_whole_batch(accounts) -> None:
    national_schools_in_taichung(accounts)
    transfer_units(work(accounts), accounts.clock, TAICHUNG[:5], "TXG", date(2017, 1, 1), "first")
    before = outbox_count(accounts)
    with pytest.raises(ApplicationError) as refused:  # two of these moved on 2017-01-01 already
        transfer_units(work(accounts), accounts.clock, TAICHUNG[3:8], "CHA", date(2016, 6, 1), "earlier")
    problem = refusal(refused.value)
    assert (problem.status, problem.slug) == (409, "jurisdiction-change-overlaps")
    assert [u["unit_code"] for u in problem.extensions["units"]] == TAICHUNG[3:5]
    assert outbox_count(accounts) == before
    assert units.find_unit(work(accounts), accounts.clock, "190006").authority_code == "K12EA"  # not moved either
    assert len(units.jurisdiction_history(work(accounts), accounts.clock, "190004")) == 2
    with pytest.raises(ApplicationError) as same_day:
        transfer_units(work(accounts), accounts.clock, ["190001"], "CHA", date(2017, 1, 1), "again")
    assert same_day.value.slug == "jurisdiction-change-overlaps"
    with pytest.raises(ApplicationError) as no_change:
        transfer_units(work(accounts), accounts.clock, ["190001"], "TXG", date(2018, 1, 1), "again")
    assert refusal(no_change.value).extensions["units"][0]["kind"] == "no-change"


def test_unknown_units_or_authorities_stop_a_transfer(accounts) -> None:
    national_schools_in_taichung(accounts)
    with pytest.raises(ApplicationError) as unknown:
        transfer_units(work(accounts), accounts.clock, ["190001", "NOPE", "999999"], "TXG", date(2017, 1, 1), "x")
    assert unknown.value.slug == "unknown-unit"
    assert refusal(unknown.value).extensions["unit_codes"] == ["NOPE", "999999"]
    with pytest.raises(ApplicationError) as authority:
        transfer_units(work(accounts), accounts.clock, ["190001"], "ATLANTIS", date(2017, 1, 1), "x")
    assert authority.value.slug == "unknown-authority"
    assert outbox_events(accounts, "accounts.unit.jurisdiction_changed.v1") == []


def test_teacher_organisations_go_to_the_county_from_2017_07(accounts) -> None:
    units.register_unit(work(accounts), accounts.clock,
                        "TNN-TTU", "臺南市教師職業工會", "civic_group", "NETWORK", "TNN",
                        jurisdiction_from=date(2010, 1, 1))
    rule = routing.change_routing(work(accounts), accounts.clock, "civic_group", "unit_county", None, date(2017, 7, 1))
    june = units.reviewer_on(work(accounts), accounts.clock, "TNN-TTU", date(2017, 6, 30))
    july = units.reviewer_on(work(accounts), accounts.clock, "TNN-TTU", date(2017, 7, 1))
    assert (june["reviewing_authority_code"], june["rule_id"]) == ("NETWORK", None)
    assert (july["reviewing_authority_code"], july["rule_id"]) == ("TNN", rule.rule_id)
    assert july["supervising_authority_code"] == "NETWORK"
    [event] = outbox_events(accounts, "accounts.review_routing.changed.v1")
    assert event["data"] == {"rule_id": rule.rule_id, "unit_type": "civic_group",
                             "reviewer": "unit_county", "fixed_authority_code": None,
                             "effective_from": "2017-07-01", "version": 1}
    CATALOGUE.validate_data(event["type"], event["data"])


def test_routing_changes_must_follow_each_other_and_make_sense(accounts) -> None:
    routing.change_routing(work(accounts), accounts.clock, "civic_group", "unit_county", None, date(2017, 7, 1))
    with pytest.raises(ApplicationError) as overlap:
        routing.change_routing(work(accounts), accounts.clock, "civic_group", "fixed", "NETWORK", date(2017, 1, 1))
    assert (refusal(overlap.value).status, overlap.value.slug) == (409, "routing-change-overlaps")
    with pytest.raises(ApplicationError) as nonsense:
        routing.change_routing(work(accounts), accounts.clock, "civic_group", "fixed", None, date(2018, 1, 1))
    assert nonsense.value.slug == "invalid-routing-rule"
    later = routing.change_routing(work(accounts), accounts.clock, "civic_group", "fixed", "NETWORK", date(2018, 1, 1))
    assert [r.rule_id for r in routing.list_rules(work(accounts), "civic_group")][-1] == later.rule_id
    assert len(outbox_events(accounts, "accounts.review_routing.changed.v1")) == 2


def test_the_api_registers_transfers_and_answers_history(api) -> None:
    created = api.post("/units", json={"code": "190001", "name": "國立臺中第一高級中學",
                                       "unit_type": "senior_high_school", "authority_code": "K12EA",
                                       "county_code": "TXG", "jurisdiction_from": "2003-01-01"})
    assert created.status_code == 201, created.json
    refused = api.post("/units", role="reviewer", authority="TXG", json={})
    assert refused.status_code == 403
    moved = api.post("/jurisdiction-transfers", json={
        "unit_codes": ["190001"], "to_authority_code": "TXG", "effective_from": "2017-01-01",
        "reference": "改制"})
    assert moved.status_code == 201 and moved.json[0]["version"] == 2
    again = api.post("/jurisdiction-transfers", json={
        "unit_codes": ["190001"], "to_authority_code": "CHA", "effective_from": "2016-01-01",
        "reference": "錯誤"})
    assert again.status_code == 409
    assert again.json["type"] == "urn:inservice:problem:jurisdiction-change-overlaps"
    assert again.headers["Content-Type"] == "application/problem+json"
    history = api.get("/units/190001/jurisdiction-history", role=None)
    assert [p["authority_code"] for p in history.json] == ["K12EA", "TXG"]
    old = api.get("/units/190001/reviewer?on=2016-12-31", role=None).json
    assert old["reviewing_authority_code"] == "K12EA"
    assert api.get("/units/190001", role=None).json["authority_code"] == "TXG"
    assert api.get("/units/190001/reviewer?on=2001-01-01", role=None).json["type"].endswith(
        "no-jurisdiction-on-date")
    renamed = api.patch("/units/190001", json={"name": "臺中市立臺中第一高級中等學校"})
    assert renamed.json["version"] == 3 and renamed.json["name"].startswith("臺中市立")
    rules = api.post("/review-routing-rules", json={"unit_type": "civic_group",
                                                    "reviewer": "unit_county",
                                                    "effective_from": "2017-07-01"})
    assert rules.status_code == 201
    assert api.get("/review-routing-rules", role=None).json[0]["unit_type"] == "civic_group"
    assert len(api.get("/authorities", role=None).json) == 24


def test_the_api_document_names_every_route_with_its_roles() -> None:
    from services.accounts.api import api
    document = api.openapi("Accounts")
    operations = [op for path in document["paths"].values() for op in path.values()]
    assert len(operations) == len(api.endpoints)
    export = document["paths"]["/teachers/national-id-exports"]["post"]
    assert export["x-allowed-roles"] == ["operator"]
    assert document["paths"]["/units/{code}"]["get"]["x-allowed-roles"] == "public"
    assert "accounts.Unit" not in document["components"]["schemas"]  # the gateway prefixes
    assert "Unit" in document["components"]["schemas"]
