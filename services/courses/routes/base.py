"""What every courses route shares: the runtime's pieces, and path ids."""
from __future__ import annotations

import re
import uuid

from servicekit.errors import Invalid, NotFound
from servicekit.service import Runtime
from servicekit.web import current_runtime
from services.courses.components import CoursesComponents
from services.courses.domain.access import course_not_found


def runtime() -> Runtime[CoursesComponents]:
    return current_runtime()


def components() -> CoursesComponents:
    return runtime().components


def path_id(value: str, what: str) -> str:
    """Ids are UUIDs; anything else is simply not found (after the token is checked)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        if what == "course":
            raise course_not_found(value) from None
        raise NotFound(f"no {what} {value}") from None


def path_code(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", value):
        raise Invalid("validation-failed", "The request is not valid",
                      "See `errors` for each field.",
                      errors={"code": ["letters, digits, _ and -, at most 32"]})
    return value
