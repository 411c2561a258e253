"""Who may see and act on a course (REQUIREMENTS "Actors and roles": role AND scope).
A course not yet approved is seen only by its unit's business accounts, the reviewers of
the authority it was routed to, and the network's staff; to anyone else it does not
exist (404, as a course that does not)."""
from __future__ import annotations

from typing import Protocol

from servicekit.errors import NotFound
from services.courses.domain.courses import (
    APPROVED,
    ATTENDANCE_RETURNED,
    ATTENDANCE_SUBMITTED,
    CLOSED,
    Course,
)


class Principal(Protocol):
    """Who calls, as the token says (servicekit.tokens.Principal has this shape)."""
    @property
    def unit(self) -> str | None: ...

    @property
    def authority(self) -> str | None: ...

    def has_any_role(self, *roles: str) -> bool: ...


def course_not_found(course_id: str) -> NotFound:
    """The one answer for a course that does not exist and for one the caller may not see
    or act on (another unit's, another authority's, a draft): the same body on every
    route, so that no answer tells a course's existence to whoever may not know of it."""
    return NotFound(f"no course {course_id}", slug="course-not-found", title="No such course")


PUBLISHED = frozenset({APPROVED, ATTENDANCE_SUBMITTED, ATTENDANCE_RETURNED, CLOSED})
STAFF = ("operator", "admin")


def organises(principal: Principal | None, course: Course) -> bool:
    """A business account of the course's unit."""
    return (principal is not None and principal.has_any_role("business")
            and principal.unit is not None and principal.unit == course.unit_code)


def reviews(principal: Principal | None, course: Course) -> bool:
    """A reviewer of the authority the course was routed to."""
    return (principal is not None and principal.has_any_role("reviewer")
            and principal.authority is not None
            and principal.authority == course.reviewing_authority_code)


def is_staff(principal: Principal | None) -> bool:
    return principal is not None and principal.has_any_role(*STAFF)


def sees_internals(principal: Principal | None, course: Course) -> bool:
    """Its review history and the state of a course not published."""
    return organises(principal, course) or reviews(principal, course) or is_staff(principal)


def may_see(principal: Principal | None, course: Course) -> bool:
    return course.status in PUBLISHED or sees_internals(principal, course)
