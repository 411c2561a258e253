"""Sources through their onboarding over HTTP (R-TRF-1, R-TRF-7), and who may see and
move them: operators manage; a unit's business account reads its own unit's only."""
from __future__ import annotations

from transfer_helpers import open_source


def test_the_onboarding_is_recorded_with_who_and_when(api) -> None:
    open_source(api, "tpe-edu", "313301")
    source = api.call("get", "/sources/tpe-edu").json
    assert source["state"] == "production" and source["owner_unit"] == "313301"
    assert [step["name"] for step in source["steps"]] == [
        "format_check_passed", "test_run_succeeded", "ministry_approval", "production_opened"]
    assert all(step["by"] == "operator-1" and step["at"] for step in source["steps"])
    assert source["steps"][2]["reference"] == "臺教師(三)字第1020000001號"
    assert source["counts"] == {"courses": 0, "attendance": 0}


def test_moves_out_of_order_and_after_archiving_are_refused(api) -> None:
    assert api.call("post", "/sources", json={"code": "ila-edu", "name": "宜蘭縣研習網",
                                              "owner_unit": "023301", "mode": "monthly_file"}
                    ).status_code == 201
    early = api.call("post", "/sources/ila-edu/state", json={"state": "production"})
    assert early.status_code == 409 and early.json["type"].endswith("source-state")
    assert api.call("post", "/sources/ila-edu/state", json={"state": "archived"}).status_code == 200
    again = api.call("post", "/sources/ila-edu/state", json={"state": "test"})
    assert again.status_code == 409  # reopening is a new application
    assert api.call("post", "/sources/ila-edu/steps", json={
        "step": "format_check_passed"}).status_code == 422
    twice = api.call("post", "/sources", json={"code": "ila-edu", "name": "x",
                                               "owner_unit": "023301", "mode": "daily_push"})
    assert twice.status_code == 409


def test_a_business_account_sees_its_units_sources_only(api) -> None:
    open_source(api, "tpe-edu", "313301")
    open_source(api, "kh-edu", "523301", state="test")
    own = api.call("get", "/sources", role="business", unit="313301").json
    assert [source["code"] for source in own] == ["tpe-edu"]
    assert api.call("get", "/sources/tpe-edu", role="business", unit="313301").status_code == 200
    # Another unit's source is as unknown as one that does not exist.
    assert api.call("get", "/sources/kh-edu", role="business", unit="313301").status_code == 404
    assert api.call("get", "/sources/kh-edu/counts", role="business", unit="313301"
                    ).status_code == 404
    assert api.call("get", "/sources/tpe-edu/counts", role="business", unit="313301"
                    ).status_code == 200
    assert api.call("get", "/sources", role="business").json == []  # a unit-less token
    assert [s["code"] for s in api.call("get", "/sources").json] == ["kh-edu", "tpe-edu"]
    for path, body in (("/sources", {"code": "x-src", "name": "x", "owner_unit": "313301",
                                     "mode": "daily_push"}),
                       ("/sources/tpe-edu/state", {"state": "archived"}),
                       ("/sources/tpe-edu/steps", {"step": "format_check_passed"})):
        for role in ("business", "teacher", "reviewer", "viewer"):
            assert api.call("post", path, role=role, unit="313301", json=body
                            ).status_code == 403, (path, role)
        assert api.call("post", path, role=None, json=body).status_code == 401


def test_the_format_is_served_as_kept_in_the_repository(api) -> None:
    from pathlib import Path

    import services.transfer
    kept = Path(services.transfer.__file__).parent / "format"
    schema = api.call("get", "/format/v1/schema.json", role=None)
    assert schema.status_code == 200 and schema.headers["Content-Type"] == "application/schema+json"
    assert schema.data == (kept / "v1" / "transfer-v1.schema.json").read_bytes()
    assert schema.json["$defs"]["attendance"]["required"] == [
        "source_course_key", "teacher_id", "teacher_name", "school_code", "hours",
        "completed_on"]
    xsd = api.call("get", "/format/v1/transfer.xsd", role=None)
    assert xsd.status_code == 200 and b"urn:inservice:transfer:format:v1" in xsd.data
    changelog = api.call("get", "/format/changelog", role=None)
    assert "## v1" in changelog.get_data(as_text=True)
