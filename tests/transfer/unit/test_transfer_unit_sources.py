"""A source's onboarding (R-TRF-1, R-TRF-7): evaluating → test → production → archived,
each step only with the steps it needs recorded, who and when; archived is sealed."""
from datetime import UTC, datetime

import pytest

from services.transfer.domain.sources import (
    ARCHIVED,
    FORMAT_CHECK_PASSED,
    MINISTRY_APPROVAL,
    PRODUCTION,
    TEST,
    TEST_RUN_SUCCEEDED,
    SourceError,
    Step,
    new_source,
)

AT = datetime(2013, 2, 1, tzinfo=UTC)


def test_the_onboarding_in_order_records_who_and_when() -> None:
    source = new_source("kh-edu", "高雄市研習系統", "523301", "daily_push")
    with pytest.raises(SourceError, match="format_check_passed"):
        source.moved_to(TEST, "op-1", AT)
    source = source.with_step(Step(FORMAT_CHECK_PASSED, "op-1", AT)).moved_to(TEST, "op-1", AT)
    with pytest.raises(SourceError, match="ministry_approval"):
        source.moved_to(PRODUCTION, "op-1", AT)
    with pytest.raises(SourceError, match="reference"):
        source.with_step(Step(MINISTRY_APPROVAL, "op-2", AT))
    source = source.with_step(Step(MINISTRY_APPROVAL, "op-2", AT, "臺教師字第1號"))
    source = source.with_step(Step(TEST_RUN_SUCCEEDED, "op-3", AT))
    live = source.moved_to(PRODUCTION, "op-4", AT)
    assert live.accepts_records and not live.in_test
    assert [(s.name, s.by) for s in live.steps] == [
        ("format_check_passed", "op-1"), ("ministry_approval", "op-2"),
        ("test_run_succeeded", "op-3"), ("production_opened", "op-4")]
    sealed = live.moved_to(ARCHIVED, "op-5", AT)
    assert sealed.sealed and not sealed.accepts_records
    for state in (TEST, PRODUCTION, ARCHIVED):
        with pytest.raises(SourceError):
            sealed.moved_to(state, "op-5", AT)
    with pytest.raises(SourceError, match="sealed"):
        sealed.with_step(Step(TEST_RUN_SUCCEEDED, "op-5", AT))


def test_a_step_is_recorded_once_and_a_test_run_only_in_test() -> None:
    source = new_source("kh-edu", "高雄市研習系統", "523301", "monthly_file")
    with pytest.raises(SourceError, match="test run"):
        source.with_step(Step(TEST_RUN_SUCCEEDED, "op-1", AT))
    source = source.with_step(Step(FORMAT_CHECK_PASSED, "op-1", AT))
    with pytest.raises(SourceError, match="already"):
        source.with_step(Step(FORMAT_CHECK_PASSED, "op-1", AT))


@pytest.mark.parametrize("code, unit, mode", [
    ("X", "523301", "daily_push"), ("kh edu", "523301", "daily_push"),
    ("kh-edu", "52330", "daily_push"), ("kh-edu", "523301", "weekly")])
def test_a_source_is_registered_only_well_formed(code, unit, mode) -> None:
    with pytest.raises(SourceError):
        new_source(code, "名稱", unit, mode)


def test_each_refusal_names_its_cause_and_the_field_it_concerns() -> None:
    """Clients branch on the cause (its problem type), never on the English detail."""
    source = new_source("kh-edu", "高雄市研習系統", "523301", "daily_push")

    def refusal(act) -> tuple[str, str | None, dict]:
        with pytest.raises(SourceError) as refused:
            act()
        return refused.value.slug, refused.value.field, refused.value.facts

    assert refusal(lambda: source.moved_to(PRODUCTION, "op-1", AT))[:2] == (
        "move-not-allowed", "state")
    assert refusal(lambda: source.moved_to(TEST, "op-1", AT)) == (
        "steps-missing", "state", {"state": "evaluating", "to": "test",
                                   "missing": ["format_check_passed"]})
    assert refusal(lambda: source.with_step(Step(TEST_RUN_SUCCEEDED, "op-1", AT)))[:2] == (
        "step-out-of-order", "step")
    assert refusal(lambda: source.with_step(Step(MINISTRY_APPROVAL, "op-1", AT, " ")))[:2] == (
        "reference-required", "reference")
    assert refusal(lambda: source.with_step(Step("production_opened", "op-1", AT)))[:2] == (
        "unknown-step", "step")
    checked = source.with_step(Step(FORMAT_CHECK_PASSED, "op-1", AT))
    assert refusal(lambda: checked.with_step(Step(FORMAT_CHECK_PASSED, "op-1", AT)))[:2] == (
        "step-already-recorded", "step")
    sealed = source.moved_to(ARCHIVED, "op-1", AT)
    assert refusal(lambda: sealed.moved_to(TEST, "op-1", AT))[:2] == ("source-archived", None)
    assert refusal(lambda: sealed.with_step(Step(FORMAT_CHECK_PASSED, "op-1", AT)))[:2] == (
        "source-archived", None)


def test_a_registration_names_every_field_that_breaks_its_rule_at_once() -> None:
    with pytest.raises(SourceError) as refused:
        new_source("X", " ", "52330", "weekly", "not an address")
    assert refused.value.slug == "validation-failed"
    assert refused.value.facts["errors"] == {
        "code": ["2 to 32 lower-case letters, digits and dashes"],
        "name": ["a name of at most 200 characters"],
        "owner_unit": ["a six-character unit code"],
        "mode": ["one of daily_push, monthly_file"],
        "contact_email": ["an e-mail address"]}
