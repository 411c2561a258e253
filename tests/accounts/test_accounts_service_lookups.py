"""Issue 12 item 5 (R-TRF-11, R-ACC-1): a platform service resolves teachers to accounts
with its own token — client credentials from sso, the accounts audience, the scope
``accounts.teachers.lookup`` — and gets the account id of any teacher, audited, never a
name or the number. A user's token, a source's, another audience or a token without the
scope are refused with problem+json (401 / 403)."""
from __future__ import annotations

from accounts_helpers import OPERATOR, schools, teacher_id, vault, work
from sqlalchemy import select

from servicekit.service import Runtime
from servicekit.testing.tokens import TokenSigner
from servicekit.tokens import StaticKeySource, TokenVerifier
from services.accounts.adapters.orm import national_id_lookups
from services.accounts.handlers.teacher_import import import_rows

SERVICE = TokenSigner(audience="inservice-accounts")
PLATFORM = TokenSigner(kid=SERVICE.kid)  # one sso, one key: only the audience differs
PLATFORM._keys = SERVICE._keys
PATH = "/teachers/service-lookups"
PLACES = {1: "353301", 2: "413601", 3: "193601"}  # two Taipei schools, one in Taichung
IDS = [teacher_id(n) for n in PLACES]
UNKNOWN = teacher_id(99)


def make_teachers(runtime: Runtime) -> dict[int, str]:
    schools(runtime)
    report = import_rows(work(runtime), runtime.clock, vault(runtime), OPERATOR, [
        (n, {"national_id": teacher_id(n), "name": f"教師{n}", "school_code": school})
        for n, school in PLACES.items()])
    return {n: row.account_id for n, row in zip(PLACES, report.rows, strict=True)}


def service_token(scope: str = "accounts.teachers.lookup", signer: TokenSigner = SERVICE) -> str:
    return signer.sign(subject="service-transfer", roles=[], client_id="service-transfer",
                       scope=scope, service="transfer")


def ask(api, token: str | None, ids: list[str]):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return api.client.post(PATH, json={"national_ids": ids}, headers=headers)


def trust_service_tokens(api) -> None:
    settings = api.runtime.settings
    api.runtime.components.service_tokens = TokenVerifier(
        settings.token_issuer, "inservice-accounts", StaticKeySource(SERVICE.jwks))


def test_a_service_token_gets_the_account_of_any_teacher_and_is_audited(api) -> None:
    accounts = make_teachers(api.runtime)
    trust_service_tokens(api)
    answer = ask(api, service_token(), [*IDS, UNKNOWN, "A123"])
    assert answer.status_code == 200, answer.json
    assert answer.json[:3] == [{"found": True, "account_id": accounts[n]} for n in (1, 2, 3)]
    assert answer.json[3] == {"found": False}
    assert answer.json[4]["found"] is False and answer.json[4]["problem"].startswith(
        "invalid-national-id")
    with api.runtime.database.engine.connect() as connection:
        [audit] = connection.execute(select(national_id_lookups)).all()
    assert audit.looked_up_by == "service-transfer" and audit.scope == "service"
    assert (audit.ids_count, audit.found_count, audit.outcome) == (5, 3, "answered")
    assert teacher_id(1) not in str(dict(audit._mapping))


def test_other_tokens_are_refused_as_problems(api) -> None:
    make_teachers(api.runtime)
    trust_service_tokens(api)
    missing_scope = ask(api, service_token(scope="transfer"), IDS)
    assert missing_scope.status_code == 403
    assert missing_scope.headers["Content-Type"].startswith("application/problem+json")
    assert missing_scope.json["type"].endswith("missing-scope")
    # A user's platform token (operator or not), a source's transfer token, none at all.
    operator = PLATFORM.sign(subject="op-1", roles=["operator"], scope="accounts.teachers.lookup")
    source = TokenSigner(audience="inservice-transfer", kid=SERVICE.kid)
    source._keys = SERVICE._keys
    for token in (operator, service_token(signer=source), None, "not.a.token"):
        refused = ask(api, token, IDS)
        assert refused.status_code == 401, (token, refused.json)
        assert refused.headers["Content-Type"].startswith("application/problem+json")
    # Signed by a key sso never published: refused although the claims are right.
    stranger = TokenSigner(audience="inservice-accounts")
    assert ask(api, service_token(signer=stranger), IDS).status_code == 401
    # Nothing was answered, nothing audited as answered.
    with api.runtime.database.engine.connect() as connection:
        assert connection.execute(select(national_id_lookups)).all() == []


def test_a_lookup_has_between_one_and_a_thousand_ids(api) -> None:
    trust_service_tokens(api)
    for ids in ([], [IDS[0]] * 1001):
        answer = ask(api, service_token(), ids)
        assert answer.status_code == 422, answer.json
        assert answer.json["type"] == "urn:inservice:problem:validation-failed", answer.json
