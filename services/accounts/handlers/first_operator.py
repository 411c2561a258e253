"""The first operator (R-OPS-3, R-ACC-2): on a platform where nobody can sign in yet, the
command line makes an operator account through the same use case as any staff account
(its role grant and events go out through the outbox), and the sso service then issues its
one-time password link (``python -m services.sso operator-setup-link``).

Nobody may make an operator through the API but an admin, so the command acts as the
platform itself (``bootstrap:<who>``). Where an enabled operator exists already it refuses,
unless told ``another``: a second way in is then a deliberate act, not a slip. Every run
is audited in ``operator_bootstraps``: one that makes an account in the same transaction,
one refused for an existing operator in a transaction of its own (an attempt on a live
platform is worth knowing about)."""
from __future__ import annotations

from servicekit.clock import Clock
from servicekit.errors import Conflict, Invalid
from servicekit.tokens import Principal
from services.accounts.adapters.operator_bootstraps import Bootstrap
from services.accounts.adapters.unit_of_work import AccountsUnitOfWork
from services.accounts.domain.accounts import (
    Account,
    InvalidAccount,
    check_chosen_login,
    check_display_name,
)
from services.accounts.handlers.roles import add_staff

OPERATOR = "operator"


def create_operator(uow: AccountsUnitOfWork, clock: Clock, login: str, display_name: str,
                    email: str, run_by: str, os_user: str, host: str,
                    another: bool = False) -> Account:
    """Raises Conflict ``operator-exists`` when an enabled operator exists and
    ``another`` is not set (nothing written), Conflict ``login-taken``, Invalid
    ``invalid-account``."""
    try:
        login, name = check_chosen_login(login), check_display_name(display_name)
    except InvalidAccount as error:
        raise Invalid("invalid-account", "The account is not valid", str(error)) from None
    platform = Principal(subject=f"bootstrap:{run_by}"[:128], roles=frozenset({"admin"}))
    who = {"login": login, "run_by": run_by[:128], "os_user": os_user[:64], "host": host[:255]}
    with uow:
        audit = uow.bootstraps
        audit.hold()
        existing = audit.enabled_holders(OPERATOR)
        if not existing or another:
            account = add_staff(uow, clock, platform, login, name, email, OPERATOR, None)
            audit.record(Bootstrap(account.account_id, **who, another=bool(existing),
                                   outcome="created", created_at=clock.now()))
            return account
    with uow:
        uow.bootstraps.record(Bootstrap(None, **who, another=False, outcome="refused",
                                        created_at=clock.now()))
    raise Conflict("operator-exists", "The platform has an operator already",
                   f"enabled operator accounts: {', '.join(existing[:5])}. An operator signs in "
                   f"and grants roles; to make one more from the command line anyway, run "
                   f"again with --another", operators=existing[:5])


def bootstraps(uow: AccountsUnitOfWork) -> list[Bootstrap]:
    with uow:
        return uow.bootstraps.all()
