"""County roaming in, both ways the seed describes (R-SSO-4), and roam-and-roam-again to
partner sites in the same browser session (R-SSO-5). The counties are fakes on loopback:
a web service that checks credentials, and an OpenID Connect provider of their own."""
from __future__ import annotations

import json
import re
import secrets

import pytest
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask import Flask, Response, jsonify, redirect, request
from jose import jwt as jose_jwt
from sqlalchemy import select

from servicekit.bus.tables import outbox
from servicekit.testing.tokens import TokenSigner
from services.sso.domain.pairwise import pairwise_subject

API_KEY = "county-api-key"


class FakeCountyService:
    """A county's credential-checking web service (json-v1)."""

    def __init__(self, serve) -> None:
        self.people = {"alice": ("county-pw-1", "TPE-T-000123",
                                 {"name": "王小明", "email": "alice@tp.edu.example", "school_code": "353301"})}
        self.calls = 0
        app = Flask("county-service")

        @app.post("/auth")
        def auth() -> Response:
            self.calls += 1
            if request.headers.get("Authorization") != f"Bearer {API_KEY}":
                return Response(status=401)
            body = request.get_json()
            person = self.people.get(body["username"])
            if person is None or person[0] != body["password"]:
                return jsonify(authenticated=False)
            return jsonify(authenticated=True, subject=person[1], profile=person[2])

        self.url = serve(app).url


class FakeCountyProvider:
    """A county's own OpenID Connect sign-on; the person is taken as signed in there."""

    def __init__(self, serve) -> None:
        self.server = serve()
        self.url = self.server.url
        self.signer = TokenSigner(issuer=self.url, audience="inservice")
        self.codes: dict[str, dict] = {}
        self.subject = "NWT-987654"
        app = Flask("county-provider")

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Response:
            return jsonify(issuer=self.url, authorization_endpoint=self.url + "/authorize",
                           token_endpoint=self.url + "/token", jwks_uri=self.url + "/jwks")

        @app.get("/jwks")
        def jwks() -> Response:
            return jsonify(self.signer.jwks)

        @app.get("/authorize")
        def authorize() -> Response:
            code = secrets.token_urlsafe(16)
            self.codes[code] = dict(request.args)
            return redirect(f"{request.args['redirect_uri']}?code={code}&state={request.args['state']}")

        @app.post("/token")
        def token() -> Response:
            wanted = self.codes.pop(request.form["code"], None)
            if wanted is None or request.authorization is None or \
                    request.authorization.password != "upstream-secret" or \
                    create_s256_code_challenge(request.form["code_verifier"]) != wanted["code_challenge"]:
                return jsonify(error="invalid_grant"), 400
            id_token = self.signer.sign(subject=self.subject, roles=None, nonce=wanted["nonce"],
                                        name="林大華", email="lin@ntpc.edu.example",
                                        school_code="014301")
            return jsonify(access_token="upstream-at", token_type="Bearer", id_token=id_token)

        self.server.app = app


@pytest.fixture
def county_service(serve) -> FakeCountyService:
    return FakeCountyService(serve)


@pytest.fixture
def county_provider(serve) -> FakeCountyProvider:
    return FakeCountyProvider(serve)


def operator(sso) -> str:
    return sso.token_for("op-1", "operator")


def connect_web_service(sso, county_service) -> None:
    answer = sso.call("PUT", "/counties/TPE/connector", operator(sso), json={
        "mode": "web_service", "display_name": "臺北市教育局帳號",
        "config": {"endpoint": county_service.url + "/auth", "adapter": "json-v1"},
        "secret": API_KEY})
    assert answer.status_code == 200, answer.text
    assert "secret" not in answer.json()


def connect_provider(sso, county_provider) -> None:
    answer = sso.call("PUT", "/counties/NWT/connector", operator(sso), json={
        "mode": "oidc", "display_name": "新北市單一簽入",
        "config": {"issuer": county_provider.url, "client_id": "inservice"},
        "secret": "upstream-secret"})
    assert answer.status_code == 200, answer.text


def partner_start(sso, browser, client_id="partner-a", redirect="http://127.0.0.1:9/a/cb"):
    """The partner sends the person to the provider; returns the login page and the client."""
    _, secret = sso.partner(client_id, redirect)
    client = OAuth2Session(client_id, secret, scope="openid profile", redirect_uri=redirect,
                           code_challenge_method="S256")
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(sso.url + "/oauth/authorize", code_verifier=verifier,
                                             nonce=generate_token(12))
    return browser.follow(browser.get(url), sso.url), client, verifier, url


def events(sso, event_type: str) -> list[dict]:
    with sso.dependencies.database.session() as session:
        bodies = session.scalars(select(outbox.c.body).where(outbox.c.event_type == event_type)).all()
    return [json.loads(body)["data"] for body in bodies]


def county_form(sso, browser, login_page, county):
    request_id = login_page.text.split('name="request" value="')[1].split('"')[0]
    assert f'/login/county/{county}?request={request_id}' in login_page.text
    return browser.get(sso.url + f"/login/county/{county}", params={"request": request_id})


def test_a_county_web_service_teacher_links_once_with_the_platform_password_then_roams_on(
        sso, browser, query, county_service) -> None:
    connect_web_service(sso, county_service)
    # Same e-mail as the county sends: still no link without an authorised match.
    teacher = sso.teacher("teacher00001", email="alice@tp.edu.example")
    login_page, client, verifier, _ = partner_start(sso, browser)
    form = county_form(sso, browser, login_page, "TPE")
    assert form.status_code == 200 and "臺北市教育局帳號" in form.text

    wrong = browser.submit(form, sso.url + "/login/county/TPE", username="alice", password="nope")
    assert wrong.status_code == 200 and "縣市帳號或密碼錯誤" in wrong.text
    arrived = browser.submit(form, sso.url + "/login/county/TPE", username="alice",
                             password="county-pw-1")
    assert arrived.status_code == 302 and "/login/link?arrival=" in arrived.headers["Location"]
    link_page = browser.get(arrived.headers["Location"])
    assert link_page.status_code == 200 and "連結縣市帳號" in link_page.text
    # The arrival is bound to this browser: another one cannot link it to its own account.
    stranger = type(browser)()
    assert stranger.get(arrived.headers["Location"]).status_code == 400

    done = browser.submit(link_page, sso.url + "/login/link", username=teacher.login,
                          password=teacher.password)
    assert done.status_code == 302 and done.headers["Location"].startswith("http://127.0.0.1:9/a/cb?code=")
    token = client.fetch_token(sso.url + "/oauth/token", authorization_response=done.headers["Location"],
                               code_verifier=verifier)
    sub = jose_jwt.get_unverified_claims(token["id_token"])["sub"]
    assert sub == pairwise_subject(sso.dependencies.config.pairwise_secret, "127.0.0.1", teacher.account_id)
    assert jose_jwt.get_unverified_claims(token["id_token"])["amr"] == ["fed"]

    [profile] = events(sso, "sso.county_profile.received.v1")
    assert profile == {"account_id": teacher.account_id, "county_code": "TPE",
                       "display_name": "王小明", "email": "alice@tp.edu.example", "unit_code": "353301"}
    signed_in = events(sso, "sso.account.signed_in.v1")
    assert signed_in[-1]["method"] == "county_service" and signed_in[-1]["county_code"] == "TPE"

    # Next time, another browser: the county account alone signs the teacher in.
    again = type(browser)()
    login_page, client, verifier, _ = partner_start(sso, again, "partner-b", "http://127.0.0.1:9/b/cb")
    form = county_form(sso, again, login_page, "TPE")
    straight = again.submit(form, sso.url + "/login/county/TPE", username="alice", password="county-pw-1")
    assert straight.headers["Location"].startswith("http://127.0.0.1:9/b/cb?code=")
    # Unchanged profile: nothing new for accounts.
    assert len(events(sso, "sso.county_profile.received.v1")) == 1


def through_county(sso, b, county_provider):
    """A partner sends the person to sign in with the NWT county's own sign-on; returns
    where the provider sends them on, the partner's client and its PKCE verifier."""
    login_page, client, verifier, _ = partner_start(sso, b, f"p-{secrets.token_hex(3)}",
                                                    "http://127.0.0.1:9/a/cb")
    off_to_county = county_form(sso, b, login_page, "NWT")
    assert off_to_county.status_code == 302
    upstream = off_to_county.headers["Location"]
    assert upstream.startswith(county_provider.url + "/authorize?")
    assert "code_challenge_method=S256" in upstream and "nonce=" in upstream
    back = b.get(upstream)  # the county signs the person in and sends them back
    return b.get(back.headers["Location"]), client, verifier


def propose(sso, reviewer, teacher) -> str:
    [waiting] = [w for w in sso.call("GET", "/county-links/requests", reviewer).json()
                 if w["status"] == "pending"]
    proposed = sso.call("POST", f"/county-links/requests/{waiting['arrival_id']}/approve", reviewer,
                        json={"account_id": teacher.account_id})
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["status"] == "proposed"
    return waiting["arrival_id"]


def test_an_upstream_county_sign_on_matched_by_the_reviewer_needs_the_teachers_password(
        sso, browser, county_provider) -> None:
    """Issue 8 point 5 (R-SSO-4): the reviewer's match is a proposal. The county identity
    alone still signs nobody in; the teacher confirms once with the platform password
    (a wrong one does not), and only then does the county identity sign the teacher in."""
    from services.sso.adapters.tables.county import county_links
    connect_provider(sso, county_provider)
    teacher = sso.teacher("teacher00002", county_code="NWT")
    elsewhere = sso.teacher("teacher00003", county_code="TPE")

    arrived, _, _ = through_county(sso, browser, county_provider)
    assert arrived.status_code == 302 and "/login/link?arrival=" in arrived.headers["Location"]

    reviewer = sso.token_for("rev-nwt", "reviewer", authority="NWT")
    [waiting] = sso.call("GET", "/county-links/requests", reviewer).json()
    assert waiting["county_code"] == "NWT" and waiting["profile"]["display_name"] == "林大華"
    assert waiting["status"] == "pending" and waiting["proposed_account_id"] is None
    other_reviewer = sso.token_for("rev-tpe", "reviewer", authority="TPE")
    assert sso.call("GET", "/county-links/requests", other_reviewer).json() == []
    assert sso.call("POST", f"/county-links/requests/{waiting['arrival_id']}/approve", other_reviewer,
                    json={"account_id": teacher.account_id}).status_code == 403
    assert sso.call("POST", f"/county-links/requests/{waiting['arrival_id']}/approve", reviewer,
                    json={"account_id": elsewhere.account_id}).status_code == 403
    approved = sso.call("POST", f"/county-links/requests/{waiting['arrival_id']}/approve", reviewer,
                        json={"account_id": teacher.account_id})
    assert approved.status_code == 200, approved.text
    assert approved.json() == {"arrival_id": waiting["arrival_id"], "account_id": teacher.account_id,
                               "county_code": "NWT", "status": "proposed"}
    assert sso.call("POST", f"/county-links/requests/{waiting['arrival_id']}/approve", reviewer,
                    json={"account_id": teacher.account_id}).status_code == 404  # made once
    [listed] = sso.call("GET", "/county-links/requests", reviewer).json()
    assert (listed["status"], listed["proposed_account_id"], listed["proposed_by"]) == (
        "proposed", teacher.account_id, "reviewer:rev-nwt")

    # The reviewer's word alone: whoever holds the county identity is asked for the
    # teacher's platform password, and is not signed in.
    someone = type(browser)()
    asked, _, _ = through_county(sso, someone, county_provider)
    assert asked.status_code == 302 and "/login/link?arrival=" in asked.headers["Location"]
    assert f"arrival={waiting['arrival_id']}" in asked.headers["Location"]
    assert "sso_session" not in someone.session.cookies
    page = someone.get(asked.headers["Location"])
    assert page.status_code == 200 and "區域管理中心已核對您的身分" in page.text
    wrong = someone.submit(page, sso.url + "/login/link", username=teacher.login, password="not-it")
    assert wrong.status_code == 200 and "帳號或密碼錯誤" in wrong.text
    assert "sso_session" not in someone.session.cookies
    with sso.dependencies.database.session() as session:
        assert session.execute(select(county_links)).all() == []

    # The teacher, at the next county sign-in: the password once, and on to the partner.
    teachers_browser = type(browser)()
    signing_in, client, verifier = through_county(sso, teachers_browser, county_provider)
    page = teachers_browser.get(signing_in.headers["Location"])
    done = teachers_browser.submit(page, sso.url + "/login/link", username=teacher.login,
                                   password=teacher.password)
    assert done.status_code == 302 and done.headers["Location"].startswith("http://127.0.0.1:9/a/cb?code=")
    token = client.fetch_token(sso.url + "/oauth/token",
                               authorization_response=done.headers["Location"], code_verifier=verifier)
    assert jose_jwt.get_unverified_claims(token["id_token"])["sub"] == pairwise_subject(
        sso.dependencies.config.pairwise_secret, "127.0.0.1", teacher.account_id)
    [link] = sso.call("GET", f"/accounts/{teacher.account_id}/county-links", reviewer).json()
    assert (link["linked_by"], link["proposed_by"]) == ("self-confirmed", "reviewer:rev-nwt")

    # From now on the county identity signs the teacher in directly.
    signed_in, client, verifier = through_county(sso, type(browser)(), county_provider)
    assert signed_in.status_code == 302 and signed_in.headers["Location"].startswith("http://127.0.0.1:9/a/cb?code=")
    assert events(sso, "sso.account.signed_in.v1")[-1]["method"] == "county_oidc"


def test_a_signed_in_teacher_confirms_a_proposed_link_with_the_platform_password(sso, browser, county_provider) -> None:
    """Issue 8 point 5: the other way to confirm, from a platform session (the web
    client's token). Wrong passwords are 403 `urn:inservice:problem:wrong-password` and
    count towards the lockout; only the proposed teacher sees and confirms it."""
    connect_provider(sso, county_provider)
    teacher = sso.teacher("teacher00002", county_code="NWT")
    reviewer = sso.token_for("rev-nwt", "reviewer", authority="NWT")
    through_county(sso, browser, county_provider)
    arrival_id = propose(sso, reviewer, teacher)

    mine = sso.token_for(teacher.account_id, "teacher")
    [proposal] = sso.call("GET", "/me/county-link-proposals", mine).json()
    assert proposal["arrival_id"] == arrival_id and proposal["county_code"] == "NWT"
    assert "county_subject" not in proposal
    stranger = sso.token_for(sso.teacher("teacher00004", county_code="NWT").account_id, "teacher")
    assert sso.call("GET", "/me/county-link-proposals", stranger).json() == []
    confirmation = f"/me/county-link-proposals/{arrival_id}/confirmation"
    not_theirs = sso.call("POST", confirmation, stranger,
                          json={"password": sso.accounts["teacher00004"].password})
    assert not_theirs.status_code == 404
    wrong = sso.call("POST", confirmation, mine, json={"password": "not-my-password"})
    assert wrong.status_code == 403 and wrong.headers["Content-Type"] == "application/problem+json"
    assert wrong.json()["type"] == "urn:inservice:problem:wrong-password"
    signed_in, _, _ = through_county(sso, type(browser)(), county_provider)
    assert "/login/link?arrival=" in signed_in.headers["Location"]  # still nobody

    done = sso.call("POST", confirmation, mine, json={"password": teacher.password})
    assert done.status_code == 200, done.text
    assert done.json() == {"arrival_id": arrival_id, "account_id": teacher.account_id,
                           "county_code": "NWT", "status": "linked"}
    assert sso.call("POST", confirmation, mine, json={"password": teacher.password}).status_code == 404
    [link] = sso.call("GET", f"/accounts/{teacher.account_id}/county-links", mine).json()
    assert (link["linked_by"], link["proposed_by"]) == ("self-confirmed-signed-in", "reviewer:rev-nwt")
    signed_in, _, _ = through_county(sso, type(browser)(), county_provider)
    assert signed_in.headers["Location"].startswith("http://127.0.0.1:9/a/cb?code=")


def test_wrong_passwords_confirming_a_county_link_count_towards_the_lockout(make_sso, browser, county_provider) -> None:
    sso = make_sso(SSO_LOCKOUT_ATTEMPTS="2")
    connect_provider(sso, county_provider)
    teacher = sso.teacher("teacher00002", county_code="NWT")
    reviewer = sso.token_for("rev-nwt", "reviewer", authority="NWT")
    through_county(sso, browser, county_provider)
    arrival_id = propose(sso, reviewer, teacher)
    asked, _, _ = through_county(sso, browser, county_provider)
    page = browser.get(asked.headers["Location"])
    for _ in range(2):
        wrong = browser.submit(page, sso.url + "/login/link", username=teacher.login, password="guess")
        assert wrong.status_code == 200 and "帳號或密碼錯誤" in wrong.text
    locked = browser.submit(page, sso.url + "/login/link", username=teacher.login,
                            password=teacher.password)
    assert locked.status_code == 429 and "登入失敗次數過多" in locked.text
    # The same count, whichever way the password is tried.
    by_api = sso.call("POST", f"/me/county-link-proposals/{arrival_id}/confirmation",
                      sso.token_for(teacher.account_id, "teacher"), json={"password": teacher.password})
    assert by_api.status_code == 429 and by_api.json()["type"] == "urn:inservice:problem:locked"
    assert sso.call("GET", f"/accounts/{teacher.account_id}/county-links", reviewer).json() == []


def test_a_forged_or_replayed_upstream_answer_signs_nobody_in(sso, browser, county_provider) -> None:
    connect_provider(sso, county_provider)
    login_page, _, _, _ = partner_start(sso, browser)
    upstream = county_form(sso, browser, login_page, "NWT").headers["Location"]
    back = browser.get(upstream).headers["Location"]
    made_up_state = back.split("state=")[0] + "state=made-up"
    # The browser's mistakes are a 400 page; only what the county does wrong is a 502.
    assert browser.get(made_up_state).status_code == 400
    assert browser.get(back).status_code == 302  # the real one works once
    assert browser.get(back).status_code == 400  # and only once
    upstream = county_form(sso, browser, login_page, "NWT").headers["Location"]
    wrong_code = re.sub(r"code=[^&]+", "code=not-the-countys", browser.get(upstream).headers["Location"])
    refused = browser.get(wrong_code)  # the county's token endpoint refuses it
    assert refused.status_code == 502 and "text/html" in refused.headers["Content-Type"]


def test_roam_and_roam_again_a_county_session_reaches_each_partner_with_its_own_subject(
        sso, browser, county_service) -> None:
    connect_web_service(sso, county_service)
    teacher = sso.teacher("teacher00001")
    login_page, client_a, verifier_a, _ = partner_start(sso, browser, "partner-a", "http://127.0.0.1:9/a/cb")
    form = county_form(sso, browser, login_page, "TPE")
    link_page = browser.get(browser.submit(form, sso.url + "/login/county/TPE", username="alice",
                                           password="county-pw-1").headers["Location"])
    callback_a = browser.submit(link_page, sso.url + "/login/link", username=teacher.login,
                                password=teacher.password).headers["Location"]
    token_a = client_a.fetch_token(sso.url + "/oauth/token", authorization_response=callback_a,
                                   code_verifier=verifier_a)

    # The same browser goes on to a partner of another sector: no sign-in page at all.
    _, secret_b = sso.partner("partner-b", "http://localhost:9/b/cb")
    client_b = OAuth2Session("partner-b", secret_b, scope="openid", redirect_uri="http://localhost:9/b/cb",
                             code_challenge_method="S256")
    verifier_b = generate_token(48)
    url_b, _ = client_b.create_authorization_url(sso.url + "/oauth/authorize", code_verifier=verifier_b)
    straight = browser.get(url_b)
    assert straight.status_code == 302 and straight.headers["Location"].startswith("http://localhost:9/b/cb?code=")
    token_b = client_b.fetch_token(sso.url + "/oauth/token", authorization_response=straight.headers["Location"],
                                   code_verifier=verifier_b)
    key = sso.dependencies.config.pairwise_secret
    sub_a = jose_jwt.get_unverified_claims(token_a["id_token"])["sub"]
    sub_b = jose_jwt.get_unverified_claims(token_b["id_token"])["sub"]
    assert sub_a == pairwise_subject(key, "127.0.0.1", teacher.account_id)
    assert sub_b == pairwise_subject(key, "localhost", teacher.account_id)
    assert sub_a != sub_b
    assert jose_jwt.get_unverified_claims(token_b["id_token"])["amr"] == ["fed"]


def test_county_attempts_are_locked_out_too(make_sso, browser, county_service) -> None:
    sso = make_sso(SSO_LOCKOUT_ATTEMPTS="3")
    connect_web_service(sso, county_service)
    form = browser.get(sso.url + "/login/county/TPE")
    for _ in range(3):
        browser.submit(form, sso.url + "/login/county/TPE", username="alice", password="wrong")
    locked = browser.submit(form, sso.url + "/login/county/TPE", username="alice", password="county-pw-1")
    assert locked.status_code == 429
    assert county_service.calls == 3  # the county's service was not asked a fourth time


def test_a_county_service_that_is_down_says_so_and_costs_no_attempt(make_sso, browser, county_service) -> None:
    from servicekit.testing.processes import free_port
    sso = make_sso(SSO_LOCKOUT_ATTEMPTS="1")
    answer = sso.call("PUT", "/counties/TPE/connector", operator(sso), json={
        "mode": "web_service", "display_name": "臺北市教育局帳號", "secret": API_KEY,
        "config": {"endpoint": f"http://127.0.0.1:{free_port()}/auth", "adapter": "json-v1"}})
    assert answer.status_code == 200
    form = browser.get(sso.url + "/login/county/TPE")
    for _ in range(2):
        down = browser.submit(form, sso.url + "/login/county/TPE", username="alice", password="county-pw-1")
        assert down.status_code == 503 and "暫時無法使用" in down.text
    connect_web_service(sso, county_service)  # back up
    teacher = sso.teacher("teacher00001")
    arrived = browser.submit(form, sso.url + "/login/county/TPE", username="alice", password="county-pw-1")
    assert arrived.status_code == 302 and teacher  # not locked by the outage


def silently(sso, browser):
    """An authorization with prompt=none: a code when a session is open, else an error."""
    return browser.get(sso.url + "/oauth/authorize", params={
        "response_type": "code", "client_id": "web", "redirect_uri": sso.web_client().redirect_uris[0],
        "scope": "openid", "prompt": "none", "code_challenge_method": "S256",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"})


def test_a_wrong_county_link_is_undone_with_a_reason_and_its_sessions_end(sso, browser, query, county_provider) -> None:
    """R-SSO-4: a reviewer matched the wrong teacher. The county's reviewer (or the teacher,
    or an operator) undoes the link with a reason, kept; the teacher's sessions end; the
    county identity arrives unlinked again next time. Nobody else sees or undoes it."""
    from services.sso.adapters.tables.county import county_unlinks
    connect_provider(sso, county_provider)
    wrong = sso.teacher("teacher00002", county_code="NWT")
    reviewer = sso.token_for("rev-nwt", "reviewer", authority="NWT")
    login_page, _, _, _ = partner_start(sso, browser, "p-unlink", "http://127.0.0.1:9/a/cb")
    back = browser.get(county_form(sso, browser, login_page, "NWT").headers["Location"])
    browser.get(back.headers["Location"])
    arrival_id = propose(sso, reviewer, wrong)
    assert sso.call("POST", f"/me/county-link-proposals/{arrival_id}/confirmation",
                    sso.token_for(wrong.account_id, "teacher"),
                    json={"password": wrong.password}).status_code == 200
    login_page, _, _, _ = partner_start(sso, browser, "p-unlink-2", "http://127.0.0.1:9/a/cb")
    back = browser.get(county_form(sso, browser, login_page, "NWT").headers["Location"])
    signed_in = browser.get(back.headers["Location"])
    assert signed_in.headers["Location"].startswith("http://127.0.0.1:9/a/cb?code=")
    assert "code" in query(silently(sso, browser).headers["Location"])  # a session, as `wrong`

    path = f"/accounts/{wrong.account_id}/county-links"
    [link] = sso.call("GET", path, reviewer).json()
    assert link["county_code"] == "NWT" and link["proposed_by"] == "reviewer:rev-nwt"
    assert link["linked_by"] == "self-confirmed-signed-in"
    assert "county_subject" not in link
    teacher_token = sso.token_for(wrong.account_id, "teacher")
    assert sso.call("GET", path, teacher_token).json() == [link]
    assert sso.call("GET", path, sso.token_for("rev-tpe", "reviewer", authority="TPE")).json() == []
    assert sso.call("GET", path, sso.token_for("someone-else", "teacher")).json() == []
    unlinking = f"/county-links/{link['link_id']}/unlinking"
    assert sso.call("POST", unlinking, sso.token_for("rev-tpe", "reviewer", authority="TPE"),
                    json={"reason": "不是本縣的教師"}).status_code == 404
    assert sso.call("POST", unlinking, reviewer, json={"reason": "x"}).status_code == 422
    assert sso.call("POST", "/county-links/abc/unlinking", reviewer,
                    json={"reason": "比對錯誤，應為另一位教師"}).status_code == 404
    done = sso.call("POST", unlinking, reviewer, json={"reason": "比對錯誤，應為另一位教師"})
    assert done.status_code == 200, done.text
    assert done.json()["account_id"] == wrong.account_id
    assert sso.call("POST", unlinking, reviewer, json={"reason": "again, twice"}).status_code == 404
    assert sso.call("GET", path, reviewer).json() == []
    with sso.dependencies.database.session() as session:
        [kept] = session.execute(select(county_unlinks)).all()
    assert (kept.unlinked_by, kept.reason, kept.linked_by, kept.proposed_by) == (
        "reviewer:rev-nwt", "比對錯誤，應為另一位教師", "self-confirmed-signed-in", "reviewer:rev-nwt")
    # The session the wrong link opened is over, and the identity arrives unlinked again.
    assert query(silently(sso, browser).headers["Location"])["error"] == "login_required"
    login_page, _, _, _ = partner_start(sso, browser, "p-unlink-3", "http://127.0.0.1:9/a/cb")
    back = browser.get(county_form(sso, browser, login_page, "NWT").headers["Location"])
    arrived = browser.get(back.headers["Location"])
    assert "/login/link?arrival=" in arrived.headers["Location"]


def test_a_county_user_name_is_kept_only_as_a_keyed_digest(sso, browser, county_service) -> None:
    """Issue 8 item 6: some counties use the national ID as user name. A refused county
    attempt is recorded, and counted, under a keyed digest (HMAC-SHA-256 under PAIRWISE_KEY
    of "county-user-name\\x00<county>\\x00<name>"), never as typed."""
    import hashlib
    import hmac

    from services.sso.adapters.tables.sign_ins import login_records, login_throttle
    connect_web_service(sso, county_service)
    national_id = "A123456789"
    form = browser.get(sso.url + "/login/county/TPE")
    answer = browser.submit(form, sso.url + "/login/county/TPE", username=f" {national_id}",
                            password="not the county password")
    assert answer.status_code == 200 and "縣市帳號或密碼錯誤" in answer.text
    digest = hmac.new(sso.dependencies.config.pairwise_secret,
                      f"county-user-name\x00TPE\x00{national_id.lower()}".encode(),
                      hashlib.sha256).hexdigest()
    with sso.dependencies.database.session() as session:
        [record] = session.execute(select(login_records.c.login, login_records.c.county_code,
                                          login_records.c.outcome)).all()
        keys = session.scalars(select(login_throttle.c.login_key)).all()
    assert tuple(record) == ("hmac-sha256:" + digest, "TPE", "failure")
    assert keys == [f"county:TPE:{digest}"]
