"""How the data of the events this service publishes is made from the domain's objects:
the one place that maps state onto a contract. The types themselves are the constants of
contracts/events/accounts.py."""
from __future__ import annotations

from datetime import date
from json.encoder import encode_basestring
from typing import Any

from contracts.review_routing import RoutingRule
from services.accounts.domain.accounts import ENABLED, TEACHER, Account
from services.accounts.domain.authorities import Authority
from services.accounts.domain.roles import RoleGrant
from services.accounts.domain.units import Unit


def authority_data(authority: Authority) -> dict[str, Any]:
    return {"authority_code": authority.code, "name": authority.name,
            "county_code": authority.county_code, "version": authority.version}


def unit_data(unit: Unit) -> dict[str, Any]:
    return {"unit_code": unit.code, "name": unit.name, "unit_type": unit.unit_type,
            "authority_code": unit.authority_code, "county_code": unit.county_code,
            "version": unit.version}


def jurisdiction_data(unit_code: str, from_authority: str, to_authority: str,
                      effective_from: date, reference: str, version: int) -> dict[str, Any]:
    return {"unit_code": unit_code, "from_authority_code": from_authority,
            "to_authority_code": to_authority, "effective_from": effective_from.isoformat(),
            "transfer_reference": reference, "version": version}


def routing_data(rule: RoutingRule) -> dict[str, Any]:
    return {"rule_id": rule.rule_id, "unit_type": rule.unit_type, "reviewer": rule.reviewer,
            "fixed_authority_code": rule.fixed_authority_code,
            "effective_from": rule.effective_from.isoformat(), "version": rule.version}


def account_data(account: Account) -> dict[str, Any]:
    """Never the national ID, nor its hash: ``account_id`` is what others hold on to."""
    return {"account_id": str(account.account_id), "login": account.login, "kind": account.kind,
            "status": account.status, "display_name": account.display_name,
            "email": account.email, "unit_code": account.unit_code,
            "authority_code": account.authority_code, "county_code": account.county_code,
            "version": account.version}


def new_teacher_data(account_id: str, login: str, display_name: str, email: str | None,
                     unit_code: str, county_code: str | None) -> dict[str, Any]:
    """``account_data`` of a teacher just created, without building the Account: a bulk
    import makes 100,000 of these."""
    return {"account_id": account_id, "login": login, "kind": TEACHER, "status": ENABLED,
            "display_name": display_name, "email": email, "unit_code": unit_code,
            "authority_code": None, "county_code": county_code, "version": 1}


def new_teacher_json(account_id: str, login: str, display_name: str, email: str | None,
                     unit_code: str, county_code: str | None) -> str:
    """``new_teacher_data`` as json.dumps(…, ensure_ascii=False, separators=(",", ":"))
    makes it, made directly: an import makes 100,000, and the dict and the generic encoder
    cost twice as much."""
    text = json_text
    return (f'{{"account_id":{text(account_id)},"login":{text(login)},"kind":{_TEACHER_JSON},'
            f'"status":{_ENABLED_JSON},"display_name":{text(display_name)},"email":{text(email)},'
            f'"unit_code":{text(unit_code)},"authority_code":null,'
            f'"county_code":{text(county_code)},"version":1}}')


def json_text(value: str | None) -> str:
    """A text (or None) as JSON, by the json module's own escaping function."""
    return "null" if value is None else encode_basestring(value)


_TEACHER_JSON, _ENABLED_JSON = json_text(TEACHER), json_text(ENABLED)


def school_changed_data(account_id: str, unit_code: str, since: date, version: int) -> dict[str, Any]:
    return {"account_id": account_id, "unit_code": unit_code, "since": since.isoformat(),
            "version": version}


def grant_data(grant: RoleGrant) -> dict[str, Any]:
    return {"grant_id": str(grant.grant_id), "account_id": str(grant.account_id),
            "role": grant.role, "unit_code": grant.unit_code,
            "authority_code": grant.authority_code, "version": grant.version}
