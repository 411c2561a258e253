"""Ending every sign-in of an account (its browser sessions and grants, partners told by
back-channel logout after the commit) is the sessions' use case (handlers/sessions.py).
The use cases that need it — a new password, a county link undone, an account disabled —
take it as a ``SignOut``, called inside their open unit of work, so that it commits with
what they change; a handler test hands them one that only counts."""
from __future__ import annotations

from typing import Protocol

from services.sso.adapters.unit_of_work import SsoWork


class SignOut(Protocol):
    def __call__(self, uow: SsoWork, account_id: str, reason: str,
                 keeping_grant: str | None = None) -> None:
        """``keeping_grant``: the grant (and its browser session) that asked stays, when
        it is a live grant of this account."""
        ...
