"""The one place a typed login name becomes the name the sso service works with (R-SSO-7).

The lockout counters, the account lookup, the password-reset limit and the login records
all take this function's result, so no spelling of a name can reach an account under a
counter of its own: ``teacher00001`` padded with spaces, typed in full-width letters or in
capitals is the same name, and a name too long to be anyone's is refused whole, never cut
down to one that is.
"""
from __future__ import annotations

import unicodedata

LONGEST_LOGIN = 64  # the accounts service gives out and accepts nothing longer
LONGEST_COUNTY_USER_NAME = 100  # a county's own names are not the platform's


def normalised_login(typed: str, longest: int = LONGEST_LOGIN) -> str | None:
    """The name as the accounts service stores login names, so the lookup finds exactly
    the account whose name this is (``folded``); None when no account can have it:
    empty, longer than ``longest`` (refused whole, never cut down), or holding control
    characters."""
    name = folded(typed)
    if not name or len(name) > longest:
        return None
    if any(unicodedata.category(character) == "Cc" for character in name):
        return None
    return name


def folded(typed: str) -> str:
    """Unicode NFKC (full-width letters and digits become ASCII), surrounding whitespace
    removed, lower-cased (the accounts service lower-cases every login name; ``lower``
    rather than ``casefold``, which would make ``ß`` match ``ss``)."""
    return unicodedata.normalize("NFKC", typed).strip().lower()
