"""Issue 14 point 6: the operators' pages for the courses' vocabularies (R-CRS-8 policy
tags with their legal basis, R-CRS-3 return reasons, R-CRS-10 meeting names). A term is
retired, never deleted; the API decides who may change one."""
from __future__ import annotations

from web.api import Answer

TAGS = [{"kind": "tag", "code": "gender", "label": "性別平等教育", "parent_code": None,
         "position": 2, "active": True, "short_label": "性平", "basis": "性別平等教育法",
         "added_on": "2004-06-23"},
        {"kind": "tag", "code": "old", "label": "舊標籤", "parent_code": None, "position": 9,
         "active": False, "short_label": None, "basis": "某法", "added_on": "2010-01-01"}]


def test_an_operator_sees_every_term_retired_ones_too_with_the_legal_basis(site) -> None:
    site.api.answer("GET", "/api/courses/vocabularies/tag", Answer(200, TAGS))
    site.sign_in(["operator"])
    assert 'href="/operator"' in site.text("/")
    page = site.text("/operator/vocabularies/tag")
    assert "性別平等教育法" in page and "舊標籤" in page and "已停用" in page
    assert site.browser.get("/operator/vocabularies/no-such-kind").status_code == 404


def test_adding_a_tag_sends_its_basis_and_date_and_forgets_the_cached_list(site) -> None:
    site.api.answer("GET", "/api/courses/vocabularies/tag", Answer(200, TAGS))
    site.api.answer("PUT", "/api/courses/vocabularies/tag/ai", Answer(201, {}))
    site.sign_in(["operator"])
    token = site.csrf("/operator/vocabularies/tag")
    site.app.extensions["web.vocabularies"] = {"tag": (1e18, TAGS[:1])}
    answer = site.browser.post("/operator/vocabularies/tag", data={
        "csrf_token": token, "code": "ai", "label": "人工智慧教育", "basis": "數位學習政策",
        "added_on": "2026-12-01", "short_label": "", "position": "10", "active": "true"})
    assert answer.status_code == 302
    [sent] = site.api.to("PUT", "/api/courses/vocabularies/tag/ai")
    assert sent.json == {"label": "人工智慧教育", "active": True, "basis": "數位學習政策",
                         "added_on": "2026-12-01", "position": 10}
    assert "tag" not in site.app.extensions["web.vocabularies"]
    assert "已新增" in site.text("/operator/vocabularies/tag")


def test_retiring_a_term_keeps_its_fields_and_sends_active_false(site) -> None:
    site.api.answer("GET", "/api/courses/vocabularies/tag", Answer(200, TAGS))
    site.api.answer("PUT", "/api/courses/vocabularies/tag/gender", Answer(200, {}))
    site.sign_in(["operator"])
    token = site.csrf("/operator/vocabularies/tag")
    site.browser.post("/operator/vocabularies/tag", data={
        "csrf_token": token, "code": "gender", "label": "性別平等教育", "basis": "性別平等教育法",
        "added_on": "2004-06-23", "short_label": "性平", "position": "2", "active": "false"})
    assert site.api.to("PUT", "/api/courses/vocabularies/tag/gender")[0].json["active"] is False


def test_a_refused_term_is_shown_beside_its_field_and_what_was_typed_stays(site) -> None:
    """Bad input: the API's 422 in the person's language beside the field; a code that
    could reach another API path never leaves the page."""
    site.api.answer("GET", "/api/courses/vocabularies/tag", Answer(200, TAGS))
    site.api.answer("PUT", "/api/courses/vocabularies/tag/ai", Answer(422, {
        "type": "urn:inservice:problem:validation-failed",
        "errors": {"basis": ["A new tag needs its legal basis."]}}))
    site.sign_in(["operator"])
    token = site.csrf("/operator/vocabularies/tag")
    answer = site.browser.post("/operator/vocabularies/tag", data={
        "csrf_token": token, "code": "ai", "label": "人工智慧教育"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="basis-error"' in html
    assert 'value="人工智慧教育"' in html
    bad = site.browser.post("/operator/vocabularies/tag", data={
        "csrf_token": token, "code": "../../accounts", "label": "x"})
    assert bad.status_code == 422 and not site.api.to("PUT", "/api/courses/vocabularies/tag/../../accounts")


def test_the_operators_pages_are_the_404_page_for_everyone_else(site) -> None:
    site.api.answer("GET", "/api/courses/vocabularies/tag", Answer(200, TAGS))
    for roles in (["teacher"], ["reviewer"], ["business"], ["viewer"]):
        site.sign_in(roles, authority="TPE", unit="353301")
        assert site.browser.get("/operator").status_code == 404
        assert site.browser.get("/operator/vocabularies/tag").status_code == 404


def test_a_form_without_its_csrf_token_is_refused(site) -> None:
    site.sign_in(["operator"])
    answer = site.browser.post("/operator/vocabularies/tag", data={"code": "ai", "label": "x"})
    assert answer.status_code in (400, 403)
    assert not site.api.to("PUT", "/api/courses/vocabularies/tag/ai")
