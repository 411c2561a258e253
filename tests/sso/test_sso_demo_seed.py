"""The demo seed of ``make up`` (issue point 9): demo passwords for the accounts service's
demo logins as they arrive, the enabled ``demo-partner`` and the public ``web`` client."""
from __future__ import annotations

import uuid

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from sqlalchemy import select

from contracts.events.accounts import ACCOUNT_CREATED
from services.sso.adapters.tables.credentials import credentials, password_changes
from services.sso.seed import demo_passwords, seed_clients, start_demo_passwords


def test_seed_sets_demo_passwords_as_accounts_arrive_and_makes_the_demo_clients(make_sso, browser, query) -> None:
    sso = make_sso(SSO_DEMO_SEED_TIMEOUT_SECONDS="10")
    seed_clients(sso.dependencies)
    setter = start_demo_passwords(sso.dependencies)  # what seed_demo starts, without waiting for it
    ids = {}
    for login, kind in (("teacher00001", "teacher"), ("biz-353301", "business"),
                        ("reviewer-tpe", "staff"), ("someone-else", "teacher"),
                        ("teacher00500", "teacher"), ("operator", "staff")):
        ids[login] = str(uuid.uuid4())
        sso.publish(ACCOUNT_CREATED, {
            "account_id": ids[login], "login": login, "kind": kind, "status": "enabled",
            "display_name": login, "email": None, "unit_code": None, "authority_code": None,
            "county_code": None, "version": 1})
    setter.join(timeout=15)
    assert not setter.is_alive()

    with sso.dependencies.database.session() as session:
        having = set(session.scalars(select(credentials.c.account_id)))
        methods = set(session.scalars(select(password_changes.c.method)))
    assert having == {ids[login] for login in ids if login != "someone-else"}
    assert methods == {"demo-seed"}

    # demo-partner signs teacher00001 in with demo-teacher00001.
    client = OAuth2Session("demo-partner", "demo-partner-secret", scope="openid profile",
                           redirect_uri="http://127.0.0.1:8765/callback", code_challenge_method="S256")
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(sso.url + "/oauth/authorize", code_verifier=verifier)
    callback = browser.sign_in(url, sso.url, "teacher00001", "demo-teacher00001")
    assert client.fetch_token(sso.url + "/oauth/token", authorization_response=callback,
                              code_verifier=verifier)["id_token"]

    # The web client is registered for the issuer: its callback is at the issuer's origin.
    web = OAuth2Session("web", scope="openid", redirect_uri=sso.url + "/auth/callback",
                        code_challenge_method="S256", token_endpoint_auth_method="none")
    url, _ = web.create_authorization_url(sso.url + "/oauth/authorize", code_verifier=generate_token(48))
    assert query(type(browser)().sign_in(url, sso.url, "operator", "demo-operator"))["code"]

    closed = requests.get(sso.url + "/oauth/authorize", timeout=5, allow_redirects=False, params={
        "client_id": "chiayi-city-elearning", "redirect_uri": "https://elearning.chiayi.example/callback",
        "response_type": "code", "scope": "openid"})
    assert closed.status_code == 400  # the partner closed on 2017-04-13

    seed_clients(sso.dependencies)  # a second make up changes nothing
    assert demo_passwords(sso.dependencies, poll_seconds=0.01) == 0
