"""Issue 14 point 7 on the transfer pages (R-TRF-1): a refusal of a source's step, move or
registration is said in the person's language, beside the field it concerns — the field the
service names in ``errors``, the cause its problem type names; and every problem type the
transfer API can answer to the pages' calls has a text of the catalogue."""
from __future__ import annotations

import ast
from pathlib import Path

from test_web_transfer import CODE, PROBLEM, _source_api

from web.api import Answer
from web.messages import PROBLEMS

ROOT = Path(__file__).resolve().parents[2]
TRANSFER = ROOT / "services" / "transfer"
# The modules behind the calls web/pages/transfer.py makes: sources with their steps, moves,
# mappings and freeze exceptions; files and file tests; deadlines, audits and duplicates.
PAGES_MODULES = ("api/sources.py", "api/files.py", "api/rules.py", "handlers/sources.py",
                 "handlers/uploads.py", "handlers/rules.py", "handlers/scope.py",
                 "domain/sources.py")
# Errors whose first argument is the problem's slug (servicekit.errors; the file readers').
RAISING = {"Invalid", "Conflict", "NotFound", "Forbidden", "TooLarge", "Unavailable",
           "UnsupportedMedia", "BadRequest", "LimitReached", "UnreadableFile",
           "SourceError", "SourceStateError"}
# What the kit (servicekit.problems, servicekit.api) and the gateway answer to any call.
ANY_CALL = ("validation-failed", "unstorable-text", "payload-too-large", "rate-limited",
            "service-unavailable", "dependency-unavailable", "bad-gateway", "gateway-timeout",
            "internal-error")
# Answered by the pages without a text of their own: 404 and 403 are the 404 page (scope is
# the API's), 401 signs the person in again.
NOT_SAID = {"not-found", "forbidden", "not-this-source", "unauthenticated", "invalid-token"}
SOURCE_PAGE = f"/operator/transfer/sources/{CODE}"


def _slugs(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in RAISING:
            continue
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and \
                first.value.replace("-", "").isalpha() and first.value.islower():
            found.add(first.value)
        found.update(keyword.value.value for keyword in node.keywords
                     if keyword.arg == "slug" and isinstance(keyword.value, ast.Constant))
    return found


def _transfer_problem_types() -> set[str]:
    paths = [TRANSFER / module for module in PAGES_MODULES]
    paths += sorted((TRANSFER / "adapters" / "files").glob("*.py"))
    return set().union(*(_slugs(path) for path in paths))


def test_every_problem_type_the_transfer_pages_can_receive_has_a_text() -> None:
    types = _transfer_problem_types()
    # The scan finds what it must: the onboarding's, the files', the scope's.
    assert {"step-already-recorded", "step-out-of-order", "reference-required",
            "source-archived", "move-not-allowed", "steps-missing", "unknown-step",
            "source-exists", "unsafe-xml", "damaged-file", "not-this-source",
            "file-required"} <= types
    unsaid = sorted(t for t in types | set(ANY_CALL) if t not in PROBLEMS and t not in NOT_SAID)
    assert not unsaid, f"transfer problem types without a text in web/messages.py: {unsaid}"


def _refusal(status: int, cause: str, field: str | None = None, **facts) -> Answer:
    """As the service answers (tests/transfer/test_transfer_sources.py): the cause's type,
    its field in ``errors``, an English detail the page never shows."""
    body = {"type": PROBLEM + cause, "title": "Refused", "status": status,
            "detail": "an English detail for people", **facts}
    if field is not None:
        body["errors"] = {field: ["an English detail for people"]}
    return Answer(status, body)


def test_a_refused_step_says_why_beside_the_field(site) -> None:
    _source_api(site)
    steps = f"/api/transfer/sources/{CODE}/steps"
    site.api.answer("POST", steps, _refusal(422, "reference-required", "reference"))
    site.sign_in(["operator"])
    token = site.csrf(SOURCE_PAGE)
    answer = site.browser.post(f"{SOURCE_PAGE}/steps", data={
        "csrf_token": token, "step": "ministry_approval", "reference": " "})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="reference-error"' in html and "記錄教育部核定時，請填寫核定文號。" in html
    assert 'aria-describedby="reference-error"' in html
    assert "English detail" not in html  # the API's English detail is never shown
    site.api.answer("POST", steps, _refusal(409, "step-already-recorded", "step",
                                            step="format_check_passed"))
    recorded = site.browser.post(f"{SOURCE_PAGE}/steps", data={
        "csrf_token": token, "step": "format_check_passed"})
    assert recorded.status_code == 409
    assert 'id="step-error"' in recorded.get_data(as_text=True)
    assert "此步驟已記錄。" in recorded.get_data(as_text=True)
    site.api.answer("POST", steps, _refusal(409, "step-out-of-order", "step",
                                            step="test_run_succeeded", state="evaluating"))
    early = site.browser.post(f"{SOURCE_PAGE}/steps", data={
        "csrf_token": token, "step": "test_run_succeeded"}).get_data(as_text=True)
    assert 'id="step-error"' in early and "資料來源在測試中時，才能記錄測試傳送成功。" in early
    site.api.answer("POST", steps, _refusal(409, "source-archived"))
    sealed = site.browser.post(f"{SOURCE_PAGE}/steps", data={
        "csrf_token": token, "step": "ministry_approval", "reference": "x"})
    html = sealed.get_data(as_text=True)
    assert "此資料來源已封存" in html and "-error" not in html  # said at the top, no field
    # The page tells the cause from the answer alone: it reads the source only to show it.
    assert len(site.api.to("GET", f"/api/transfer/sources/{CODE}")) == 5


def test_a_refused_move_names_the_steps_still_missing(site) -> None:
    _source_api(site)
    state = f"/api/transfer/sources/{CODE}/state"
    site.api.answer("POST", state, _refusal(
        409, "steps-missing", "state", state="test", to="production",
        missing=["ministry_approval", "test_run_succeeded"]))
    site.sign_in(["operator"])
    token = site.csrf(SOURCE_PAGE)
    answer = site.browser.post(f"{SOURCE_PAGE}/state", data={"csrf_token": token,
                                                             "state": "production"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409 and 'id="state-error"' in html
    assert "轉為正式上線前，請先記錄：教育部核定、測試傳送成功。" in html
    site.api.answer("POST", state, _refusal(409, "move-not-allowed", "state", state="test",
                                            to="evaluating", allowed=["archived", "production"]))
    backwards = site.browser.post(f"{SOURCE_PAGE}/state", data={
        "csrf_token": token, "state": "evaluating"}).get_data(as_text=True)
    assert "「測試中」的資料來源不能轉為「評估中」。" in backwards
    site.browser.get("/lang/en")
    site.api.answer("POST", state, _refusal(
        409, "steps-missing", "state", state="test", to="production",
        missing=["ministry_approval", "test_run_succeeded"]))
    english = site.browser.post(f"{SOURCE_PAGE}/state", data={
        "csrf_token": token, "state": "production"}).get_data(as_text=True)
    assert "Before it becomes In production, record: Ministry approval, Test run " \
           "succeeded." in english


def test_a_cause_without_its_members_is_said_by_its_type(site) -> None:
    """An answer from an older or newer service without the states: the type's own text."""
    _source_api(site)
    site.api.answer("POST", f"/api/transfer/sources/{CODE}/state",
                    _refusal(409, "move-not-allowed", "state"))
    site.sign_in(["operator"])
    token = site.csrf(SOURCE_PAGE)
    html = site.browser.post(f"{SOURCE_PAGE}/state", data={
        "csrf_token": token, "state": "evaluating"}).get_data(as_text=True)
    assert 'id="state-error"' in html and "資料來源只能單向轉換" in html


def test_a_refused_registration_is_said_beside_each_field(site) -> None:
    _source_api(site)
    site.api.answer("POST", "/api/transfer/sources", Answer(422, {
        "type": PROBLEM + "validation-failed",
        "errors": {"owner_unit": ["a six-character unit code"],
                   "code": ["2 to 32 lower-case letters, digits and dashes"]}}))
    site.sign_in(["operator"])
    token = site.csrf("/operator/transfer/sources")
    answer = site.browser.post("/operator/transfer/sources", data={
        "csrf_token": token, "code": "Tpe", "name": "臺北市教師研習網", "owner_unit": "38000",
        "mode": "monthly_file"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="owner_unit-error"' in html
    assert "請填單位的六碼代碼。" in html and 'id="code-error"' in html
    assert "2 至 32 個小寫英文字母" in html and 'id="name-error"' not in html
    assert 'value="38000"' in html
