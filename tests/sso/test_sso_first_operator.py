"""The first operator of a platform nobody can sign in to yet (issue 15 item 1; R-OPS-3,
R-ACC-2): ``python -m services.accounts create-operator`` makes the account through the
accounts service's own use case (events through the outbox), the account reaches the sso
service as every account does, and ``python -m services.sso operator-setup-link`` prints
a one-time link with which the operator sets a password and signs in. Both commands are
run here as an operator runs them (the kit's command line), on the embedded services.

What a refusal looks like: exit status 1, a sentence and a problem+json line on stderr,
e.g. ``{"type": "urn:inservice:problem:operator-exists", "status": 409, …}``."""
from __future__ import annotations

import getpass
import json
import socket
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from jose import jwt as jose_jwt
from sqlalchemy import func, select
from test_sso_password_links import LINK

from contracts.events.accounts import ACCOUNT_CREATED
from servicekit.cli import main
from servicekit.clock import FixedClock
from servicekit.testing.runtimes import relay_all
from services.accounts.adapters.orm import accounts as accounts_table
from services.accounts.bootstrap import DEFINITION as ACCOUNTS
from services.accounts.handlers.first_operator import bootstraps
from services.sso.adapters.tables.credentials import (
    operator_links,
    password_changes,
    password_setups,
)
from services.sso.bootstrap import DEFINITION as SSO

CALLBACK = "http://127.0.0.1:9/web/callback"


@pytest.fixture
def platform(embedded, make_sso, monkeypatch, tmp_path):
    """accounts and sso on their own SQLite files and the in-process bus, and the command
    line pointed at the same files (what an operator's shell has in its environment)."""
    accounts = embedded(ACCOUNTS)
    sso = make_sso()
    monkeypatch.setenv("ACCOUNTS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SSO_DATA_DIR", str(sso.runtime.settings.data_dir))
    monkeypatch.setenv("SSO_TOKEN_ISSUER", sso.url)
    return accounts, sso


def run(definition, capsys, *argv: str) -> tuple[int, dict, str]:
    """The command's exit status, its JSON on stdout (or {}), its stderr."""
    status = main(definition, list(argv))
    out, err = capsys.readouterr()
    return status, json.loads(out) if out.strip() else {}, err


def deliver(accounts, sso) -> None:
    """What the running platform does between the two commands: the accounts relay
    publishes the outbox, the sso consumer applies it."""
    relay_all(accounts)
    sso.drain()


def operator_logins(accounts) -> list[str]:
    with accounts.database.engine.connect() as connection:
        return sorted(connection.scalars(select(accounts_table.c.login)
                                         .where(accounts_table.c.kind == "staff")))


def web_sign_in(sso, browser, login: str, password: str) -> dict:
    """Signs in through the platform's own client; the access token's claims."""
    sso.web_client(CALLBACK)
    web = OAuth2Session("web", scope="openid", redirect_uri=CALLBACK,
                        code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = generate_token(48)
    url, _ = web.create_authorization_url(sso.url + "/oauth/authorize", code_verifier=verifier)
    callback = browser.sign_in(url, sso.url, login, password)
    tokens = web.fetch_token(sso.url + "/oauth/token", authorization_response=callback,
                             code_verifier=verifier)
    return jose_jwt.get_unverified_claims(tokens["access_token"])


def test_the_first_operator_sets_a_password_through_the_printed_link_and_signs_in(platform, browser, capsys) -> None:
    accounts, sso = platform
    status, made, _ = run(ACCOUNTS, capsys, "create-operator", "Ops.Chen", "--name", "陳 維運",
                          "--email", "ops.chen@moe.example.tw", "--by", "alice@moe")
    assert status == 0
    assert made["login"] == "ops.chen" and made["role"] == "operator"
    assert made["next"] == "python -m services.sso operator-setup-link ops.chen"
    deliver(accounts, sso)

    status, printed, _ = run(SSO, capsys, "operator-setup-link", "ops.chen", "--by", "alice@moe")
    assert status == 0 and printed["login"] == "ops.chen" and printed["single_use"] is True
    link = printed["link"]
    assert LINK.fullmatch(link) and link.startswith(sso.url + "/login/setup?token=")
    with sso.dependencies.database.session() as session:
        [issued] = session.execute(select(password_setups)).all()
    assert issued.purpose == "operator"
    assert timedelta(minutes=29) < issued.expires_at - issued.created_at <= timedelta(minutes=30)

    page = browser.get(link)
    assert page.status_code == 200 and "設定密碼" in page.text
    done = browser.submit(page, sso.url + "/login/setup", password="a long operator secret",
                          again="a long operator secret")
    assert done.status_code == 200 and "密碼已設定" in done.text
    assert browser.get(link).status_code == 400  # once

    claims = web_sign_in(sso, type(browser)(), "ops.chen", "a long operator secret")
    assert claims["roles"] == ["operator"]
    with sso.dependencies.database.session() as session:
        assert list(session.scalars(select(password_changes.c.method))) == ["operator"]

    # Audited on both sides: who ran it, as whom on which machine, when, for which login.
    [bootstrap] = bootstraps(accounts)
    assert (bootstrap.login, bootstrap.run_by, bootstrap.os_user, bootstrap.host, bootstrap.another,
            bootstrap.outcome, str(bootstrap.account_id)) == (
        "ops.chen", "alice@moe", getpass.getuser(), socket.gethostname(), False, "created",
        made["account_id"])
    assert abs(bootstrap.created_at - datetime.now(UTC)) < timedelta(minutes=1)
    with sso.dependencies.database.session() as session:
        [row] = session.execute(select(operator_links)).all()
    assert (row.login, row.issued_by, row.os_user, row.account_id) == (
        "ops.chen", "alice@moe", getpass.getuser(), made["account_id"])

    # A password set: no more links from the command line (forgotten passwords go by mail).
    status, printed, err = run(SSO, capsys, "operator-setup-link", "ops.chen")
    assert status == 1 and printed == {}
    assert json.loads(err.splitlines()[-1])["type"] == "urn:inservice:problem:password-already-set"


def test_a_platform_with_an_operator_refuses_a_second_unless_told_another(platform, capsys) -> None:
    accounts, _ = platform
    assert run(ACCOUNTS, capsys, "create-operator", "ops.chen", "--name", "陳維運",
               "--email", "ops.chen@moe.example.tw")[0] == 0
    relayed = relay_all(accounts)

    status, printed, err = run(ACCOUNTS, capsys, "create-operator", "ops.lin", "--name", "林維運",
                               "--email", "ops.lin@moe.example.tw", "--by", "bob")
    assert status == 1 and printed == {}
    first, problem = err.splitlines()[0], json.loads(err.splitlines()[-1])
    assert "The platform has an operator already" in first and "--another" in first
    assert problem == {"type": "urn:inservice:problem:operator-exists",
                       "title": "The platform has an operator already", "status": 409,
                       "detail": problem["detail"], "operators": ["ops.chen"]}
    assert operator_logins(accounts) == ["ops.chen"] and relay_all(accounts) == 0  # no account

    status, made, _ = run(ACCOUNTS, capsys, "create-operator", "ops.lin", "--name", "林維運",
                          "--email", "ops.lin@moe.example.tw", "--by", "bob", "--another")
    assert status == 0 and made["login"] == "ops.lin"
    assert operator_logins(accounts) == ["ops.chen", "ops.lin"]
    assert relayed == 2 and relay_all(accounts) == 2  # account created, role granted
    # Every run audited, the refused one too (an attempt on a live platform).
    assert [(b.login, b.run_by, b.another, b.outcome, b.account_id is None)
            for b in bootstraps(accounts)] == [
        ("ops.chen", getpass.getuser(), False, "created", False),
        ("ops.lin", "bob", False, "refused", True),
        ("ops.lin", "bob", True, "created", False)]

    # A login taken is refused too, whatever --another says.
    status, _, err = run(ACCOUNTS, capsys, "create-operator", "ops.lin", "--name", "x",
                         "--email", "x@moe.example.tw", "--another")
    assert status == 1 and json.loads(err.splitlines()[-1])["type"] == "urn:inservice:problem:login-taken"


def test_the_link_works_once_and_expires(platform, browser, capsys) -> None:
    accounts, sso = platform
    run(ACCOUNTS, capsys, "create-operator", "ops.chen", "--name", "陳維運",
        "--email", "ops.chen@moe.example.tw")
    deliver(accounts, sso)
    first = run(SSO, capsys, "operator-setup-link", "ops.chen")[1]["link"]
    second = run(SSO, capsys, "operator-setup-link", "ops.chen")[1]["link"]
    assert first != second
    # A new link withdraws the one before: one open link per operator at a time.
    assert browser.get(first).status_code == 400

    real, later = sso.runtime.clock, FixedClock(datetime.now(UTC) + timedelta(minutes=31))
    sso.runtime.clock = later
    assert browser.get(second).status_code == 400  # 30 minutes and it is gone
    sso.runtime.clock = real
    page = browser.get(second)
    sso.runtime.clock = later  # expires between the page and the form
    expired = browser.submit(page, sso.url + "/login/setup", password="a long operator secret",
                             again="a long operator secret")
    assert expired.status_code == 400
    with sso.dependencies.database.session() as session:
        assert session.scalar(select(func.count()).select_from(password_changes)) == 0


def test_the_link_waits_for_the_account_and_is_only_for_new_operators(platform, capsys) -> None:
    accounts, sso = platform
    run(ACCOUNTS, capsys, "create-operator", "ops.chen", "--name", "陳維運",
        "--email", "ops.chen@moe.example.tw")
    # Not relayed yet (the platform is not running): the command waits, then says so.
    status, printed, err = run(SSO, capsys, "operator-setup-link", "ops.chen", "--wait", "1")
    assert status == 1 and printed == {}
    assert "is the platform running" in err
    assert json.loads(err.splitlines()[-1])["type"] == "urn:inservice:problem:account-not-replicated"

    # A teacher (any account not an enabled operator) gets no link from here.
    teacher = str(uuid.uuid4())
    sso.publish(ACCOUNT_CREATED, {
        "account_id": teacher, "login": "teacher00042", "kind": "teacher", "status": "enabled",
        "display_name": "陳怡君", "email": "chen@school.example.tw", "unit_code": "353301",
        "authority_code": None, "county_code": "TPE", "version": 1})
    status, _, err = run(SSO, capsys, "operator-setup-link", "teacher00042", "--wait", "1")
    assert status == 1
    assert json.loads(err.splitlines()[-1])["type"] == "urn:inservice:problem:not-an-operator"
    with sso.dependencies.database.session() as session:
        assert session.scalar(select(func.count()).select_from(password_setups)) == 0

    deliver(accounts, sso)  # the platform started: the outbox kept the events
    assert run(SSO, capsys, "operator-setup-link", "ops.chen", "--wait", "1")[0] == 0
