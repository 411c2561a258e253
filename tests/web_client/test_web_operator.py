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


# -- partner sites and maintenance notices (R-SSO-2, R-SSO-6) ------------------------------

PARTNER = {"client_id": "demo-partner", "name": "示範合作網站", "organisation": "某大學",
           "kind": "partner", "status": "testing", "redirect_uris": ["https://p.example/cb"],
           "contacts": ["it@p.example"], "approval_reference": None, "approved_on": None,
           "disabled_reason": None}


def _partner_api(site, status: str = "testing") -> None:
    site.api.answer("GET", "/api/sso/partners", Answer(200, [
        {**PARTNER, "status": status},
        {**PARTNER, "client_id": "web", "name": "Web", "kind": "first_party"}]))
    site.api.answer("GET", "/api/sso/partners/demo-partner", Answer(200, {**PARTNER,
                                                                        "status": status}))
    site.api.answer("GET", "/api/sso/partners/demo-partner/history", Answer(200, [
        {"status": "applied", "at": "2026-11-01T02:00:00+00:00", "by": "op-1", "note": None}]))


def test_a_partner_in_testing_is_approved_with_the_ministrys_reference(site) -> None:
    _partner_api(site)
    site.api.answer("POST", "/api/sso/partners/demo-partner/approval",
                    Answer(200, {**PARTNER, "status": "approved"}))
    site.sign_in(["operator"])
    listing = site.text("/operator/partners")
    assert 'href="/operator/partners/demo-partner"' in listing and "測試中" in listing
    assert 'href="/operator/partners/web"' not in listing  # the platform's own: no lifecycle
    page = site.text("/operator/partners/demo-partner")
    assert 'action="/operator/partners/demo-partner/approval"' in page
    assert 'action="/operator/partners/demo-partner/enable"' not in page
    token = site.csrf("/operator/partners/demo-partner")
    answer = site.browser.post("/operator/partners/demo-partner/approval", data={
        "csrf_token": token, "approval_reference": "臺教資(四)字第1150000001號",
        "approved_on": "2026-12-01"})
    assert answer.status_code == 302
    assert site.api.to("POST", "/api/sso/partners/demo-partner/approval")[0].json == {
        "approval_reference": "臺教資(四)字第1150000001號", "approved_on": "2026-12-01"}


def test_a_new_client_secret_is_shown_once_and_kept_nowhere(site) -> None:
    _partner_api(site, "enabled")
    site.api.answer("POST", "/api/sso/partners/demo-partner/secret",
                    Answer(200, {"client_secret": "s3cr3t-shown-once"}))
    site.sign_in(["operator"])
    token = site.csrf("/operator/partners/demo-partner")
    answer = site.browser.post("/operator/partners/demo-partner/secret",
                               data={"csrf_token": token})
    assert answer.status_code == 200 and "s3cr3t-shown-once" in answer.get_data(as_text=True)
    assert "s3cr3t-shown-once" not in str(site.store.sessions)
    assert "s3cr3t-shown-once" not in site.text("/operator/partners/demo-partner")


def test_closing_a_partner_needs_a_reason_shown_beside_the_field(site) -> None:
    _partner_api(site, "enabled")
    site.api.answer("POST", "/api/sso/partners/demo-partner/disable", Answer(422, {
        "type": "urn:inservice:problem:validation-failed",
        "errors": {"reason": ["Shorter than minimum length 1."]}}))
    site.sign_in(["operator"])
    token = site.csrf("/operator/partners/demo-partner")
    answer = site.browser.post("/operator/partners/demo-partner/disable",
                               data={"csrf_token": token, "reason": ""})
    assert answer.status_code == 422 and 'id="reason-error"' in answer.get_data(as_text=True)
    assert site.browser.get("/operator/partners/..%2F..%2Fkeys").status_code == 404
    assert site.browser.post("/operator/partners/demo-partner/delete",
                             data={"csrf_token": token}).status_code == 404


def test_a_notice_is_announced_in_taipei_time_and_its_deliveries_shown(site) -> None:
    site.api.answer("GET", "/api/sso/notices", Answer(200, []))
    site.api.answer("POST", "/api/sso/notices", Answer(201, {"notice_id": "n-1"}))
    site.api.answer("GET", "/api/sso/notices/n-1", Answer(200, {
        "notice_id": "n-1", "title": "系統維護", "body": "停機兩小時",
        "starts_at": "2026-12-10T14:00:00+00:00", "ends_at": "2026-12-10T16:00:00+00:00",
        "published_at": "2026-12-04T02:00:00+00:00",
        "deliveries": [{"client_id": "demo-partner", "recipients": ["it@p.example"],
                        "sent_at": None, "attempts": 1, "last_error": "timeout"}]}))
    site.sign_in(["operator"])
    token = site.csrf("/operator/notices")
    answer = site.browser.post("/operator/notices", data={
        "csrf_token": token, "title": "系統維護", "body": "停機兩小時",
        "starts_at": "2026-12-10T22:00", "ends_at": "2026-12-11T00:00"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/operator/notices/n-1"
    assert site.api.to("POST", "/api/sso/notices")[0].json == {
        "title": "系統維護", "body": "停機兩小時",
        "starts_at": "2026-12-10T22:00:00+08:00", "ends_at": "2026-12-11T00:00:00+08:00"}
    page = site.text("/operator/notices/n-1")
    assert "demo-partner" in page and "timeout" in page and "民國 115 年 12 月 10 日 22:00" in page


def test_a_refused_notice_keeps_what_was_typed(site) -> None:
    site.api.answer("GET", "/api/sso/notices", Answer(200, []))
    site.api.answer("POST", "/api/sso/notices", Answer(422, {
        "type": "urn:inservice:problem:validation-failed",
        "errors": {"ends_at": ["ends before it starts"]}}))
    site.sign_in(["operator"])
    token = site.csrf("/operator/notices")
    answer = site.browser.post("/operator/notices", data={
        "csrf_token": token, "title": "系統維護", "body": "停機",
        "starts_at": "2026-12-10T22:00", "ends_at": "2026-12-10T21:00"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="ends_at-error"' in html
    assert 'value="系統維護"' in html and ">停機</textarea>" in html


def test_the_sso_pages_are_the_404_page_for_everyone_but_operators(site) -> None:
    for roles in (["teacher"], ["reviewer"], ["business"], ["viewer"]):
        site.sign_in(roles, authority="TPE", unit="353301")
        for path in ("/operator/partners", "/operator/partners/demo-partner",
                     "/operator/notices", "/operator/notices/n-1"):
            assert site.browser.get(path).status_code == 404, (roles, path)
