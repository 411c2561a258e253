"""The courses service's own settings, read once from the kit's ``Settings`` (each name
with the ``COURSES_`` prefix first, then without)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from servicekit.settings import InvalidSetting, Settings
from services.courses.domain.attachments import KNOWN_TYPES
from services.courses.domain.planning import SCHOOL_WINDOW, TEACHER_WINDOW, PlanWindow


@dataclass(frozen=True)
class CoursesConfig:
    # R-CRS-2: a course is submitted at least this many days before its first meeting.
    submit_days_ahead: int
    attachment_max_bytes: int
    # File extensions taken as attachments (each one the service can recognise).
    attachment_types: tuple[str, ...]
    attachments_dir: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> CoursesConfig:
        types = tuple(name.strip().lower().lstrip(".") for name in settings.value(
            "ATTACHMENT_TYPES", "pdf,jpg,jpeg,png,docx,odt,doc").split(",") if name.strip())
        unknown = [name for name in types if name not in KNOWN_TYPES]
        if unknown:
            raise InvalidSetting(f"COURSES_ATTACHMENT_TYPES: unknown {unknown}; known "
                                 f"{sorted(KNOWN_TYPES)}")
        directory = settings.value("ATTACHMENTS_DIR", "") or str(settings.data_dir / "attachments")
        return cls(submit_days_ahead=settings.positive_int("SUBMIT_DAYS_AHEAD", 7),
                   attachment_max_bytes=settings.positive_int("ATTACHMENT_MAX_BYTES",
                                                              10 * 1024 * 1024),
                   attachment_types=types, attachments_dir=Path(directory))


@dataclass(frozen=True)
class ClosingRules:
    """R-CRS-2, R-CRS-5, R-CRS-7: hours are due ``due_days`` after a course's last day
    (COURSES_HOURS_DUE_DAYS, 7); the light counts a course overdue after the same days;
    a red light blocks submission from ``light_enforced_from`` (COURSES_LIGHT_ENFORCED_FROM,
    an ISO date, by default the seed's 2017-11-01; before it, a warning only)."""
    due_days: int = 7
    light_enforced_from: date = date(2017, 11, 1)

    @classmethod
    def from_settings(cls, settings: Settings) -> ClosingRules:
        raw = settings.value("LIGHT_ENFORCED_FROM", cls.light_enforced_from.isoformat())
        try:
            enforced_from = date.fromisoformat(raw)
        except ValueError:
            raise InvalidSetting(f"COURSES_LIGHT_ENFORCED_FROM = {raw!r}: not an ISO date "
                                 "(YYYY-MM-DD)") from None
        return cls(due_days=settings.positive_int("HOURS_DUE_DAYS", 7),
                   light_enforced_from=enforced_from)


@dataclass(frozen=True)
class PlanningRules:
    """R-CRS-13: the windows plans are written in, as month-days of the school year
    (``MM-DD..MM-DD``, Taipei days, both included): COURSES_SCHOOL_PLAN_WINDOW (08-14..08-31,
    the school-based plan) and COURSES_TEACHER_PLAN_WINDOW (09-04..09-29, a teacher's own)."""
    school_window: PlanWindow = SCHOOL_WINDOW
    teacher_window: PlanWindow = TEACHER_WINDOW

    @classmethod
    def from_settings(cls, settings: Settings) -> PlanningRules:
        def window(name: str, default: PlanWindow) -> PlanWindow:
            raw = settings.value(name, default.text())
            try:
                return PlanWindow.parse(raw)
            except ValueError as error:
                raise InvalidSetting(f"COURSES_{name} = {raw!r}: {error}") from None
        return cls(school_window=window("SCHOOL_PLAN_WINDOW", SCHOOL_WINDOW),
                   teacher_window=window("TEACHER_PLAN_WINDOW", TEACHER_WINDOW))
