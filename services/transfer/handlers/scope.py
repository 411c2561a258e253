"""Who may act on a source: the network's staff on every one; a unit's business
accounts on their unit's sources (to read them); a source's own machine token (client
credentials from sso, scope ``transfer``) on that source alone."""
from __future__ import annotations

from servicekit.errors import Forbidden, NotFound
from servicekit.tokens import Principal
from services.transfer.domain.sources import Source

STAFF = ("operator", "admin")
TRANSFER_SCOPE = "transfer"


def machine_source(principal: Principal) -> str | None:
    """The source a machine token names, or None for any other token."""
    source = principal.claims.get("source")
    if isinstance(source, str) and TRANSFER_SCOPE in principal.scope:
        return source
    return None


def check_reads(principal: Principal, source: Source | None, code: str) -> Source:
    """Another unit's source is answered as unknown, as one that does not exist."""
    if source is None or not (principal.has_any_role(*STAFF) or
                              (principal.has_any_role("business") and
                               principal.unit == source.owner_unit)):
        raise NotFound(f"no source {code}")
    return source


def check_sends(principal: Principal, code: str) -> None:
    if machine_source(principal) != code:
        raise Forbidden("this token is not the source's own", slug="not-this-source")


def check_states_for(principal: Principal, source: Source | None, code: str) -> None:
    """Who states a source's own figures (its monthly counts): the source's machine
    token, the network's staff, or a business account of its owner unit. Another role
    is refused (403); another unit's business account is answered as the house answers
    another unit's source (404)."""
    if machine_source(principal) is not None:
        check_sends(principal, code)
        return
    check_states_role(principal)
    check_reads(principal, source, code)


def check_states_role(principal: Principal) -> None:
    """The role half of ``check_states_for``, asked before a request's body is read."""
    if machine_source(principal) is None and not principal.has_any_role(*STAFF, "business"):
        raise Forbidden("a source's counts are stated by the source, its unit's business "
                        "accounts or the network's staff")
