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
    assert early.status_code == 409 and early.json["type"].endswith("move-not-allowed")
    assert api.call("post", "/sources/ila-edu/state", json={"state": "archived"}).status_code == 200
    again = api.call("post", "/sources/ila-edu/state", json={"state": "test"})
    assert again.status_code == 409  # reopening is a new application
    assert api.call("post", "/sources/ila-edu/steps", json={
        "step": "format_check_passed"}).status_code == 409
    twice = api.call("post", "/sources", json={"code": "ila-edu", "name": "x",
                                               "owner_unit": "023301", "mode": "daily_push"})
    assert twice.status_code == 409


def _problem(answer) -> dict:
    assert answer.headers["Content-Type"] == "application/problem+json"
    body = dict(answer.json)
    body.pop("instance")
    body.pop("detail")  # English for people: clients read the type and the members
    return {"status": answer.status_code, **body}


def test_each_refused_step_or_move_answers_its_own_problem_type_and_field(api) -> None:
    """Issue 12: a client tells the cause by the type (README, "Refusals"), and finds the
    field it concerns in ``errors`` (the house's problem+json), never in the detail."""
    assert api.call("post", "/sources", json={"code": "ila-edu", "name": "宜蘭縣研習網",
                                              "owner_unit": "023301", "mode": "monthly_file"}
                    ).status_code == 201
    steps, state = "/sources/ila-edu/steps", "/sources/ila-edu/state"
    assert _problem(api.call("post", state, json={"state": "test"})) == {
        "status": 409, "type": "urn:inservice:problem:steps-missing",
        "title": "Steps the state needs are not recorded",
        "errors": {"state": ["to become test the source needs ['format_check_passed']"]},
        "state": "evaluating", "to": "test", "missing": ["format_check_passed"]}
    assert _problem(api.call("post", state, json={"state": "production"})) == {
        "status": 409, "type": "urn:inservice:problem:move-not-allowed",
        "title": "The source cannot move so",
        "errors": {"state": ["a source that is evaluating cannot become production"]},
        "state": "evaluating", "to": "production", "allowed": ["archived", "test"]}
    assert _problem(api.call("post", steps, json={"step": "test_run_succeeded"})) == {
        "status": 409, "type": "urn:inservice:problem:step-out-of-order",
        "title": "The step comes later",
        "errors": {"step": ["a test run is recorded while the source is in test"]},
        "step": "test_run_succeeded", "state": "evaluating", "needs_state": "test"}
    assert _problem(api.call("post", steps, json={"step": "ministry_approval",
                                                  "reference": " "})) == {
        "status": 422, "type": "urn:inservice:problem:reference-required",
        "title": "The approval needs its reference",
        "errors": {"reference": ["the ministry's approval is recorded with its reference"]}}
    assert api.call("post", steps, json={"step": "format_check_passed"}).status_code == 200
    assert _problem(api.call("post", steps, json={"step": "format_check_passed"})) == {
        "status": 409, "type": "urn:inservice:problem:step-already-recorded",
        "title": "The step is recorded already",
        "errors": {"step": ["format_check_passed is recorded already"]},
        "step": "format_check_passed"}
    # A step the API does not know is the schema's: validation-failed, beside the field.
    unknown = api.call("post", steps, json={"step": "production_opened"})
    assert unknown.status_code == 422 and unknown.json["type"].endswith("validation-failed")
    assert list(unknown.json["errors"]) == ["step"]
    assert api.call("post", state, json={"state": "archived"}).status_code == 200
    for path, body in ((state, {"state": "test"}), (steps, {"step": "ministry_approval",
                                                           "reference": "x"})):
        assert _problem(api.call("post", path, json=body)) == {
            "status": 409, "type": "urn:inservice:problem:source-archived",
            "title": "The source is archived"}  # the source's own state: no field
    # Nothing is recorded by a refusal.
    assert [s["name"] for s in api.call("get", "/sources/ila-edu").json["steps"]] == [
        "format_check_passed"]


def test_a_refused_registration_names_each_field_at_once(api) -> None:
    refused = api.call("post", "/sources", json={
        "code": "Ila_Edu", "name": "宜蘭縣研習網", "owner_unit": "02330x1",
        "mode": "monthly_file"})
    assert _problem(refused) == {
        "status": 422, "type": "urn:inservice:problem:validation-failed",
        "title": "The request is not valid",
        "errors": {"code": ["2 to 32 lower-case letters, digits and dashes"],
                   "owner_unit": ["a six-character unit code"]}}
    assert api.call("get", "/sources/Ila_Edu").status_code == 404


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
