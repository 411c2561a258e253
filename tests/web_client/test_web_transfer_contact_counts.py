"""Issue 14 on the transfer pages (R-TRF-6, R-TRF-11): a source's contact — to whom its
findings are mailed — on its page, and the monthly counts its unit's staff state for its
audits on its audits page, with who stated them and when. Who may is the API's: another
unit's source is the 404 page."""
from __future__ import annotations

from test_web_transfer import CODE, PROBLEM, SOURCE, _source_api

from web.api import Answer

UNIT_PAGE = f"/organiser/transfer/{CODE}"
CONTACT = f"/api/transfer/sources/{CODE}/contact"
STATED = f"/api/transfer/sources/{CODE}/reported-counts"


def test_the_source_page_shows_its_contact_and_the_owner_unit_sets_it(site) -> None:
    _source_api(site)
    site.api.answer("GET", f"/api/transfer/sources/{CODE}", Answer(200, {
        **SOURCE, "contact_email": "it@tpe.example.tw"}))
    site.api.answer("PUT", CONTACT, Answer(200, {**SOURCE, "contact_email": "new@tpe.edu.tw"}))
    site.sign_in(["business"], unit="380000")
    page = site.text(UNIT_PAGE)
    assert "it@tpe.example.tw" in page and f'action="{UNIT_PAGE}/contact"' in page
    assert '<label for="contact_email">' in page and 'type="email"' in page
    token = site.csrf(UNIT_PAGE)
    answer = site.browser.post(f"{UNIT_PAGE}/contact", data={
        "csrf_token": token, "contact_email": " new@TPE.edu.tw "})
    assert answer.status_code == 302 and answer.headers["Location"] == f"{UNIT_PAGE}#contact"
    assert site.api.to("PUT", CONTACT)[0].json == {"contact_email": "new@TPE.edu.tw"}
    assert "new@tpe.edu.tw" in site.text(UNIT_PAGE)  # the address as the service keeps it
    # Blank is none: the findings wait for a contact.
    site.api.answer("PUT", CONTACT, Answer(200, {**SOURCE, "contact_email": None}))
    site.browser.post(f"{UNIT_PAGE}/contact", data={"csrf_token": token, "contact_email": ""})
    assert site.api.to("PUT", CONTACT)[1].json == {"contact_email": None}


def test_an_operator_sets_a_contact_too(site) -> None:
    _source_api(site)
    site.api.answer("PUT", CONTACT, Answer(200, {**SOURCE, "contact_email": "a@b.tw"}))
    site.sign_in(["operator"])
    staff_page = f"/operator/transfer/sources/{CODE}"
    assert "尚未設定" in site.text(staff_page)  # no contact yet
    answer = site.browser.post(f"{staff_page}/contact", data={
        "csrf_token": site.csrf(staff_page), "contact_email": "a@b.tw"})
    assert answer.status_code == 302 and answer.headers["Location"] == f"{staff_page}#contact"


def test_a_contact_that_is_not_an_address_is_said_beside_the_field(site) -> None:
    _source_api(site)
    site.api.answer("PUT", CONTACT, Answer(422, {
        "type": PROBLEM + "validation-failed",
        "errors": {"contact_email": ["Not a valid email address."]}}))
    site.sign_in(["business"], unit="380000")
    answer = site.browser.post(f"{UNIT_PAGE}/contact", data={
        "csrf_token": site.csrf(UNIT_PAGE), "contact_email": "it at tpe"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="contact_email-error"' in html and 'aria-describedby="contact_email-error"' in html
    assert "請填電子郵件地址" in html and 'value="it at tpe"' in html
    site.browser.get("/lang/en")
    english = site.browser.post(f"{UNIT_PAGE}/contact", data={
        "csrf_token": site.csrf(UNIT_PAGE), "contact_email": "it at tpe"})
    assert "An e-mail address, such as name@school.edu.tw." in english.get_data(as_text=True)


def test_another_units_source_is_the_404_page_in_the_persons_language(site) -> None:
    _source_api(site)
    site.api.answer("PUT", CONTACT, Answer(404, {"type": PROBLEM + "not-found"}))
    site.api.answer("PUT", f"{STATED}/2026-10", Answer(404, {"type": PROBLEM + "not-found"}))
    site.sign_in(["business"], unit="353301")
    token = site.csrf("/organiser/transfer")
    contact = site.browser.post(f"{UNIT_PAGE}/contact", data={
        "csrf_token": token, "contact_email": "a@b.tw"})
    counts = site.browser.post(f"{UNIT_PAGE}/reported-counts", data={
        "csrf_token": token, "month": "2026-10", "courses": "1", "attendance": "2",
        "hours": "3"})
    for answer in (contact, counts):
        assert answer.status_code == 404 and "找不到" in answer.get_data(as_text=True)
    site.browser.get("/lang/en")
    english = site.browser.post(f"{UNIT_PAGE}/contact", data={
        "csrf_token": token, "contact_email": "a@b.tw"})
    assert english.status_code == 404 and "找不到" not in english.get_data(as_text=True)


def test_a_contact_or_counts_form_without_its_csrf_token_is_refused(site) -> None:
    _source_api(site)
    site.sign_in(["business"], unit="380000")
    assert site.browser.post(f"{UNIT_PAGE}/contact", data={
        "contact_email": "a@b.tw"}).status_code in (400, 403)
    assert site.browser.post(f"{UNIT_PAGE}/reported-counts", data={
        "month": "2026-10", "courses": "1", "attendance": "1", "hours": "1"}
    ).status_code in (400, 403)
    assert not site.api.to("PUT", CONTACT) and not site.api.to("PUT", f"{STATED}/2026-10")


def test_the_audits_page_lists_the_months_stated_with_who_and_when(site) -> None:
    _source_api(site, "production")
    site.api.answer("GET", f"/api/transfer/sources/{CODE}/audits", Answer(200, []))
    site.sign_in(["business"], unit="380000")
    assert f'href="{UNIT_PAGE}/audits"' in site.text(UNIT_PAGE)
    page = site.text(f"{UNIT_PAGE}/audits")
    assert "2026-10" in page and ">118<" in page and "354.0" in page
    assert "biz-7" in page and "民國 115 年 11 月 3 日 10:30" in page
    assert f'action="{UNIT_PAGE}/reported-counts"' in page
    for name in ("month", "courses", "attendance", "hours"):
        assert f'<label for="{name}">' in page
    # "Correct" fills the form with the month's counts as stated.
    corrected = site.text(f"{UNIT_PAGE}/audits", query_string={"month": "2026-10"})
    assert 'id="month" name="month" type="text" value="2026-10"' in corrected
    assert 'value="118"' in corrected and 'value="354.0"' in corrected


def test_the_owner_units_staff_state_a_months_counts(site) -> None:
    _source_api(site, "production")
    site.api.answer("GET", f"/api/transfer/sources/{CODE}/audits", Answer(200, []))
    site.api.answer("PUT", f"{STATED}/2026-11", Answer(200, {
        "source": CODE, "month": "2026-11", "courses": 6, "attendance": 130, "hours": "390.5",
        "reported_by": "account-1"}))
    site.sign_in(["business"], unit="380000")
    answer = site.browser.post(f"{UNIT_PAGE}/reported-counts", data={
        "csrf_token": site.csrf(f"{UNIT_PAGE}/audits"), "month": "2026-11", "courses": "6",
        "attendance": " 130 ", "hours": "390.5"})
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"{UNIT_PAGE}/audits#stated"
    assert site.api.to("PUT", f"{STATED}/2026-11")[0].json == {
        "courses": 6, "attendance": 130, "hours": "390.5"}
    assert "2026-11" in site.text(f"{UNIT_PAGE}/audits")  # the flash says it is stated


def test_refused_counts_are_said_beside_their_fields_with_what_was_typed(site) -> None:
    _source_api(site, "production")
    site.api.answer("GET", f"/api/transfer/sources/{CODE}/audits", Answer(200, []))
    site.api.answer("PUT", f"{STATED}/2026-11", Answer(422, {
        "type": PROBLEM + "validation-failed", "errors": {
            "courses": ["Not a valid integer."],
            "hours": ["a decimal with at most one decimal place, below 10^10"]}}))
    site.sign_in(["operator"])
    audits = f"/operator/transfer/sources/{CODE}/audits"
    token = site.csrf(audits)
    answer = site.browser.post(f"/operator/transfer/sources/{CODE}/reported-counts", data={
        "csrf_token": token, "month": "2026-11", "courses": "six", "attendance": "130",
        "hours": "1.25"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert site.api.to("PUT", f"{STATED}/2026-11")[0].json == {
        "courses": "six", "attendance": 130, "hours": "1.25"}  # the API names the field
    assert 'id="courses-error"' in html and 'aria-describedby="courses-error"' in html
    assert 'id="hours-error"' in html and 'value="1.25"' in html and 'value="six"' in html
    # A month written otherwise never reaches the API (it is part of its path).
    typo = site.browser.post(f"/operator/transfer/sources/{CODE}/reported-counts", data={
        "csrf_token": token, "month": "2026/11", "courses": "1", "attendance": "1",
        "hours": "1"})
    assert typo.status_code == 422 and 'id="month-error"' in typo.get_data(as_text=True)
    assert len(site.api.to("PUT", f"{STATED}/2026-11")) == 1
    site.api.answer("PUT", f"{STATED}/2026-12", Answer(422, {
        "type": PROBLEM + "month-not-closed"}))
    early = site.browser.post(f"/operator/transfer/sources/{CODE}/reported-counts", data={
        "csrf_token": token, "month": "2026-12", "courses": "1", "attendance": "1",
        "hours": "1"}).get_data(as_text=True)
    assert 'id="month-error"' in early and "月份尚未結束" in early


def test_an_archived_source_takes_no_counts_and_says_so(site) -> None:
    _source_api(site, "archived")
    site.api.answer("GET", f"/api/transfer/sources/{CODE}/audits", Answer(200, []))
    site.api.answer("PUT", f"{STATED}/2026-10", Answer(409, {
        "type": PROBLEM + "source-closed"}))
    site.sign_in(["business"], unit="380000")
    page = site.text(f"{UNIT_PAGE}/audits")
    assert "reported-counts" not in page and "biz-7" in page  # read, no form
    refused = site.browser.post(f"{UNIT_PAGE}/reported-counts", data={
        "csrf_token": site.csrf(f"{UNIT_PAGE}/audits"), "month": "2026-10", "courses": "1",
        "attendance": "1", "hours": "1"})
    assert refused.status_code == 409 and "此資料來源已封存" in refused.get_data(as_text=True)
