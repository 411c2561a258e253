"""Demo data for the embedded default (``make up``), made through the same use cases as
any other change, so its events reach the other services. Idempotent: a second run finds
everything in place and records nothing. Reference data (the authorities) is not demo
data: ``migrate`` seeds and announces it in every mode."""
from __future__ import annotations

from servicekit.service import Runtime
from servicekit.tokens import Principal
from services.accounts import demo_data as demo
from services.accounts.adapters.accounts_repo import AccountRepository
from services.accounts.handlers import business_accounts, campaigns, roles, routing, units
from services.accounts.handlers.jurisdiction import transfer_units
from services.accounts.handlers.teacher_import import import_rows

SEEDER = Principal(subject="demo-seed", roles=frozenset({"operator", "admin"}))


def seed_demo(runtime: Runtime) -> None:
    _units(runtime)
    _routing(runtime)
    _staff(runtime)
    _business_accounts(runtime)
    import_rows(runtime, SEEDER, enumerate(demo.teacher_rows(), start=1))
    _campaign(runtime)


def _units(runtime: Runtime) -> None:
    moved = []
    for code, name, unit_type, authority, county, to_taichung in demo.UNITS:
        if units.find_unit(runtime, code) is None:
            units.register_unit(runtime, code, name, unit_type, authority, county,
                                jurisdiction_from=demo.NETWORK_START, by=SEEDER.subject)
        if to_taichung and len(units.jurisdiction_history(runtime, code)) == 1:
            moved.append(code)
    if moved:
        transfer_units(runtime, moved, "TXG", demo.TAICHUNG_TRANSFER, demo.TAICHUNG_REFERENCE,
                       by=SEEDER.subject)


def _routing(runtime: Runtime) -> None:
    unit_type, reviewer, effective_from = demo.TEACHER_ORGANISATIONS_TO_COUNTY
    if not routing.list_rules(runtime, unit_type):
        routing.change_routing(runtime, unit_type, reviewer, None, effective_from,
                               by=SEEDER.subject)


def _exists(runtime: Runtime, login: str) -> bool:
    with runtime.database.session() as session:
        return AccountRepository(session).by_login(login) is not None


def _staff(runtime: Runtime) -> None:
    login, name = demo.OPERATOR
    if not _exists(runtime, login):
        roles.create_staff(runtime, SEEDER, login, name, None, "operator")
    for authority in demo.REVIEWERS:
        login = f"reviewer-{authority.lower()}"
        if not _exists(runtime, login):
            roles.create_staff(runtime, SEEDER, login, f"{authority} 區域管理中心審核人員", None,
                               "reviewer", authority)


def _business_accounts(runtime: Runtime) -> None:
    for code in demo.BUSINESS_UNITS:
        if _exists(runtime, f"biz-{code.lower()}"):
            continue
        applied = business_accounts.apply(runtime, code, f"{code} 研習業務承辦人",
                                          f"biz-{code.lower()}@school.example")
        unit = units.find_unit(runtime, code)
        approver = Principal(subject="demo-seed", roles=frozenset({"reviewer", "operator"}),
                             authority=unit.authority_code if unit else None)
        business_accounts.approve_account(runtime, approver, applied.account_id)


def _campaign(runtime: Runtime) -> None:
    campaign_id = demo.CAMPAIGN["campaign_id"]
    if any(c.campaign_id == campaign_id for c in campaigns.list_campaigns(runtime)):
        return
    campaigns.open_campaign(runtime, SEEDER, **demo.CAMPAIGN)
    for authority in demo.CONFIRMED:
        campaigns.confirm(runtime, SEEDER, campaign_id, authority, demo.CONFIRMATION_NOTE,
                          at=demo.CAMPAIGN["deadline"])
