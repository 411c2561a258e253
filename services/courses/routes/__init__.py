"""The courses service's routes, one module per part, all on the one ``ServiceApi`` of
``services.courses.api`` (imported there, after ``api`` exists)."""
from services.courses.routes import (
    attachments,
    calendars,
    catalogue,
    closing,
    courses,
    enrolment,
    materials,
    news,
    planning,
    vocabularies,
)

__all__ = ["attachments", "calendars", "catalogue", "closing", "courses", "enrolment",
           "materials", "news", "planning",
           "vocabularies"]
