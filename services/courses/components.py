"""The courses service's own dependencies, built once per runtime (``runtime.components``):
the units of work (the course lifecycle and closing; enrolment), the attachment store,
the SMTP mailer, and the settings each part reads."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from servicekit.mail import SmtpMailer, smtp_mailer
from servicekit.service import Runtime
from services.courses.adapters.enrolment_uow import EnrolmentUnitOfWork
from services.courses.adapters.files import DirectoryStore, FileStore
from services.courses.adapters.materials_uow import MaterialsUnitOfWork
from services.courses.adapters.uow import CoursesUnitOfWork
from services.courses.config import ClosingRules, CoursesConfig, PlanningRules
from services.courses.handlers.mails import send_queued


@dataclass(frozen=True)
class CoursesComponents:
    config: CoursesConfig
    files: FileStore
    uow: Callable[[], CoursesUnitOfWork]  # a new unit of work per use case
    closing: ClosingRules
    enrolments: Callable[[], EnrolmentUnitOfWork]  # a new unit of work per use case
    mailer: SmtpMailer
    planning: PlanningRules
    materials: Callable[[], MaterialsUnitOfWork]  # digital-material review (R-CRS-14)


def build(runtime: Runtime[CoursesComponents]) -> CoursesComponents:
    config = CoursesConfig.from_settings(runtime.settings)
    closing = ClosingRules.from_settings(runtime.settings)
    mailer = smtp_mailer(runtime.settings)
    send = partial(send_queued, runtime.database, mailer, runtime.clock)

    def enrolments() -> EnrolmentUnitOfWork:
        return EnrolmentUnitOfWork(runtime.database, runtime.outbox, on_mail=send)

    return CoursesComponents(
        config=config, files=DirectoryStore(config.attachments_dir),
        uow=lambda: CoursesUnitOfWork(runtime.database, runtime.outbox, closing),
        closing=closing, enrolments=enrolments, mailer=mailer,
        planning=PlanningRules.from_settings(runtime.settings),
        materials=lambda: MaterialsUnitOfWork(runtime.database, runtime.outbox))
