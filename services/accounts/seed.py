"""Demo data for the embedded default (``make up``), made through the same use cases as
any other change, so its events reach the other services. Idempotent: a second run finds
everything in place and records nothing. Reference data (the authorities) is not demo
data: ``migrate`` seeds and announces it in every mode."""
from __future__ import annotations

from servicekit.clock import Clock
from servicekit.service import Runtime
from servicekit.tokens import Principal
from services.accounts import demo_data as demo
from services.accounts.components import AccountsComponents
from services.accounts.handlers import business_accounts, campaigns, roles, routing, units
from services.accounts.handlers.jurisdiction import transfer_units
from services.accounts.handlers.teacher_import import import_rows

SEEDER = Principal(subject="demo-seed", roles=frozenset({"operator", "admin"}))


def seed_demo(runtime: Runtime[AccountsComponents]) -> None:
    parts, clock = runtime.components, runtime.clock
    _units(parts, clock)
    _routing(parts, clock)
    _staff(parts, clock)
    _business_accounts(parts, clock)
    import_rows(parts.unit_of_work(), clock, parts.vault, SEEDER,
                enumerate(demo.teacher_rows(), start=1))
    _campaign(parts, clock)


def _units(parts: AccountsComponents, clock: Clock) -> None:
    moved = []
    for code, name, unit_type, authority, county, to_taichung in demo.UNITS:
        if not units.unit_exists(parts.unit_of_work(), clock, code):
            units.register_unit(parts.unit_of_work(), clock, code, name, unit_type, authority,
                                county, jurisdiction_from=demo.NETWORK_START, by=SEEDER.subject)
        if to_taichung and len(units.jurisdiction_history(parts.unit_of_work(), clock,
                                                          code)) == 1:
            moved.append(code)
    if moved:
        transfer_units(parts.unit_of_work(), clock, moved, "TXG", demo.TAICHUNG_TRANSFER,
                       demo.TAICHUNG_REFERENCE, by=SEEDER.subject)


def _routing(parts: AccountsComponents, clock: Clock) -> None:
    unit_type, reviewer, effective_from = demo.TEACHER_ORGANISATIONS_TO_COUNTY
    if not routing.list_rules(parts.unit_of_work(), unit_type):
        routing.change_routing(parts.unit_of_work(), clock, unit_type, reviewer, None,
                               effective_from, by=SEEDER.subject)


def _exists(parts: AccountsComponents, login: str) -> bool:
    with parts.unit_of_work() as uow:
        return uow.accounts.by_login(login) is not None


def _staff(parts: AccountsComponents, clock: Clock) -> None:
    login, name = demo.OPERATOR
    if not _exists(parts, login):
        roles.create_staff(parts.unit_of_work(), clock, SEEDER, login, name, None, "operator")
    for authority in demo.REVIEWERS:
        login = f"reviewer-{authority.lower()}"
        if not _exists(parts, login):
            roles.create_staff(parts.unit_of_work(), clock, SEEDER, login,
                               f"{authority} 區域管理中心審核人員", None, "reviewer", authority)


def _business_accounts(parts: AccountsComponents, clock: Clock) -> None:
    for code in demo.BUSINESS_UNITS:
        if _exists(parts, f"biz-{code.lower()}"):
            continue
        applied = business_accounts.apply(parts.unit_of_work(), clock, code,
                                          f"{code} 研習業務承辦人",
                                          f"biz-{code.lower()}@school.example")
        unit = units.find_unit(parts.unit_of_work(), clock, code)
        approver = Principal(subject="demo-seed", roles=frozenset({"reviewer", "operator"}),
                             authority=unit.authority_code)
        business_accounts.approve_account(parts.unit_of_work(), clock, approver,
                                          applied.account_id)


def _campaign(parts: AccountsComponents, clock: Clock) -> None:
    campaign_id = demo.CAMPAIGN["campaign_id"]
    if any(c.campaign_id == campaign_id for c in campaigns.list_campaigns(parts.unit_of_work())):
        return
    campaigns.open_campaign(parts.unit_of_work(), clock, SEEDER, **demo.CAMPAIGN)
    for authority in demo.CONFIRMED:
        campaigns.confirm(parts.unit_of_work(), clock, SEEDER, campaign_id, authority,
                          demo.CONFIRMATION_NOTE, at=demo.CAMPAIGN["deadline"])
