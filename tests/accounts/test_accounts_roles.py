"""Roles and scopes: grants and revocations are events the sso service turns into token
claims; who may grant what; staff accounts; one's own account."""
from __future__ import annotations

import uuid

import pytest
from accounts_helpers import ADMIN, OPERATOR, outbox_events, refusal, schools, work

from contracts.events import CATALOGUE
from servicekit.errors import ApplicationError
from services.accounts.handlers import roles


def test_a_grant_and_its_revocation_are_events_with_the_scope(accounts) -> None:
    schools(accounts)
    staff = roles.create_staff(work(accounts), accounts.clock, OPERATOR, "chen.reviewer", "陳審核", "chen@tpe.example",
                               "reviewer", "TPE")
    [created] = outbox_events(accounts, "accounts.account.created.v1")
    assert created["data"]["kind"] == "staff" and created["data"]["authority_code"] == "TPE"
    [first] = roles.list_grants(work(accounts), staff.account_id)
    assert (first.role, first.authority_code, first.active) == ("reviewer", "TPE", True)
    second = roles.grant_role(work(accounts), accounts.clock,
                              OPERATOR, staff.account_id, "business", unit_code="353301")
    revoked = roles.revoke_role(work(accounts), accounts.clock, OPERATOR, staff.account_id, second.grant_id)
    assert (revoked.version, revoked.revoked_by) == (2, "operator-1")
    granted = outbox_events(accounts, "accounts.role.granted.v1")
    [gone] = outbox_events(accounts, "accounts.role.revoked.v1")
    assert [g["data"]["role"] for g in granted] == ["reviewer", "business"]
    assert gone["data"] == {"grant_id": str(second.grant_id), "account_id": str(staff.account_id),
                            "role": "business", "unit_code": "353301", "authority_code": None,
                            "version": 2}
    for event in granted + [gone]:
        CATALOGUE.validate_data(event["type"], event["data"])
    with pytest.raises(ApplicationError) as twice:
        roles.revoke_role(work(accounts), accounts.clock, OPERATOR, staff.account_id, second.grant_id)
    assert twice.value.slug == "grant-revoked"


@pytest.mark.parametrize("role, unit, authority, slug", [
    ("reviewer", None, None, "invalid-grant"),  # a reviewer needs its authority
    ("business", None, "TPE", "invalid-grant"),
    ("viewer", "353301", None, "invalid-grant"),
    ("teacher", None, None, "invalid-grant"),  # comes with the teacher account
    ("business", "NOPE", None, "unknown-unit"),
])
def test_grants_need_the_right_scope(accounts, role, unit, authority, slug) -> None:
    schools(accounts)
    staff = roles.create_staff(work(accounts), accounts.clock, OPERATOR, "someone", "某人", None, "viewer")
    with pytest.raises(ApplicationError) as refused:
        roles.grant_role(work(accounts), accounts.clock, OPERATOR, staff.account_id, role, unit, authority)
    assert (refusal(refused.value).status, refused.value.slug) == (422, slug)


def test_operators_cannot_make_operators_or_admins(accounts) -> None:
    staff = roles.create_staff(work(accounts), accounts.clock, OPERATOR, "someone", "某人", None, "viewer")
    for role in ("operator", "admin"):
        with pytest.raises(ApplicationError) as refused:
            roles.grant_role(work(accounts), accounts.clock, OPERATOR, staff.account_id, role)
        assert refusal(refused.value).status == 403
    assert roles.grant_role(work(accounts), accounts.clock, ADMIN, staff.account_id, "operator").role == "operator"
    with pytest.raises(ApplicationError) as refused:
        roles.create_staff(work(accounts), accounts.clock, OPERATOR, "boss", "老闆", None, "admin")
    assert refusal(refused.value).status == 403
    with pytest.raises(ApplicationError) as again:
        roles.grant_role(work(accounts), accounts.clock, ADMIN, staff.account_id, "operator")
    assert again.value.slug == "role-already-granted"


@pytest.mark.parametrize("login", ["teacher00001", "biz-353301", "x", "Has Space"])
def test_logins_the_platform_gives_out_cannot_be_chosen(accounts, login) -> None:
    with pytest.raises(ApplicationError) as refused:
        roles.create_staff(work(accounts), accounts.clock, OPERATOR, login, "某人", None, "viewer")
    assert refused.value.slug == "invalid-account"


def test_grants_and_me_over_http(api) -> None:
    made = api.post("/staff-accounts", json={"login": "moe.viewer", "display_name": "教育部檢視",
                                             "role": "viewer"})
    assert made.status_code == 201, made.json
    account_id = made.json["account_id"]
    me = api.get("/me", role="viewer", subject=account_id)
    assert me.status_code == 200 and me.json["login"] == "moe.viewer"
    assert api.get("/me", role="viewer", subject="moe.viewer").json["account_id"] == account_id
    assert api.get("/me", role="viewer", subject="nobody").status_code == 404
    grant = api.post(f"/accounts/{account_id}/roles", role="admin", json={"role": "operator"})
    assert grant.status_code == 201 and grant.json["active"] is True
    listed = api.get(f"/accounts/{account_id}/roles").json
    assert [g["role"] for g in listed] == ["viewer", "operator"]
    revoked = api.delete(f"/accounts/{account_id}/roles/{grant.json['grant_id']}", role="admin")
    assert revoked.status_code == 200 and revoked.json["active"] is False
    assert api.delete(f"/accounts/{account_id}/roles/{uuid.uuid4()}").status_code == 404
    assert api.post(f"/accounts/{account_id}/roles", role="reviewer", authority="TPE",
                    json={"role": "viewer"}).status_code == 403
