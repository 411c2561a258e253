"""The platform's calendar (contracts.calendar), under the name the accounts code uses."""
from contracts.calendar import TAIPEI, now, taipei_date, today  # noqa: F401
