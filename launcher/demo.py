"""``DEMO_DATA``: whether ``make up`` seeds the demo data set (demo logins and passwords,
the demo partner, units, teachers, a campaign — each service's ``seed_demo``).

Unset, the embedded default seeds and real servers do not; ``DEMO_DATA=1`` seeds on real
servers too (each service's ``seed-demo`` command, once the processes run), ``DEMO_DATA=0``
keeps the embedded default empty. A platform in production mode never gets demo logins:
``DEMO_DATA`` with ``MODE=production`` stops ``make up`` before anything starts."""
from __future__ import annotations

from collections.abc import Mapping

from servicekit.settings import SERVICES

_YES, _NO = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


class DemoDataRefused(ValueError):
    """DEMO_DATA asked for where it must not be, or not readable."""


def asked_for(environ: Mapping[str, str]) -> bool | None:
    """What ``DEMO_DATA`` says (None: nothing); raises ``DemoDataRefused`` before any other
    setting is read, so the refusal is the first and only thing ``make up`` says."""
    raw = environ.get("DEMO_DATA")
    if raw is None:
        return None
    value = raw.strip().lower()
    if value not in _YES | _NO:
        raise DemoDataRefused(f"DEMO_DATA={raw!r}: say 1 to seed the demo data set, 0 not to")
    production = _production(environ)
    if value in _YES and production:
        raise DemoDataRefused(
            f"DEMO_DATA is refused with {', '.join(production)}=production: demo logins with "
            f"known passwords must never reach a production platform. Unset DEMO_DATA, or "
            f"run without MODE=production to try the platform")
    return value in _YES


def wants_demo_data(environ: Mapping[str, str], real_servers: bool) -> bool:
    asked = asked_for(environ)
    if asked is None:
        return not real_servers and not _production(environ)
    return asked


def _production(environ: Mapping[str, str]) -> list[str]:
    names = ["MODE", *(f"{name.upper()}_MODE" for name in SERVICES)]
    return [name for name in names if environ.get(name) == "production"]
