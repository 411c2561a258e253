"""The sso service's business metric (issue 13 point 7, R-OPS-2): every sign-in attempt
counted by method and result, one per login record kept (R-ACC-4), once it is committed."""
from __future__ import annotations

from prometheus_client import REGISTRY
from test_sso_lockout import SIGNED_IN, WRONG, attempt

from services.sso.adapters.login_records_repo import LoginRecordRepository

RESULTS = ("success", "failure", "locked")


def sign_ins() -> dict[str, float]:
    return {result: REGISTRY.get_sample_value("inservice_sign_ins_total",
                                              {"method": "password", "result": result}) or 0.0
            for result in RESULTS}


def test_each_sign_in_is_counted_by_result(make_sso, browser) -> None:
    sso = make_sso(SSO_LOCKOUT_ATTEMPTS="2", SSO_LOCKOUT_SECONDS="600")
    teacher = sso.teacher("teacher00001")
    other = sso.teacher("teacher00002")
    before = sign_ins()
    assert SIGNED_IN in attempt(sso, browser, other.login, other.password).text
    for n in range(2):
        assert WRONG in attempt(sso, browser, teacher.login, f"guess number {n}").text
    assert attempt(sso, browser, teacher.login, teacher.password).status_code == 429
    after = sign_ins()
    assert {r: after[r] - before[r] for r in RESULTS} == {"success": 1, "failure": 2, "locked": 1}


def test_a_record_whose_transaction_rolls_back_is_not_counted(sso) -> None:
    before = sign_ins()
    with sso.dependencies.database.session() as session:
        LoginRecordRepository(session).add(sso.dependencies.clock.now(), "teacher00009", None,
                                           "password", "failure", None, None, None)
        session.rollback()
    assert sign_ins() == before
