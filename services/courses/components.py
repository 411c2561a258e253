"""The courses service's own dependencies, built once per runtime (``runtime.components``)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from servicekit.service import Runtime
from services.courses.adapters.files import DirectoryStore, FileStore
from services.courses.adapters.uow import CoursesUnitOfWork
from services.courses.config import ClosingRules, CoursesConfig


@dataclass(frozen=True)
class CoursesComponents:
    config: CoursesConfig
    files: FileStore
    uow: Callable[[], CoursesUnitOfWork]  # a new unit of work per use case
    closing: ClosingRules


def build(runtime: Runtime[CoursesComponents]) -> CoursesComponents:
    config = CoursesConfig.from_settings(runtime.settings)
    closing = ClosingRules.from_settings(runtime.settings)
    return CoursesComponents(
        config=config, files=DirectoryStore(config.attachments_dir),
        uow=lambda: CoursesUnitOfWork(runtime.database, runtime.outbox, closing),
        closing=closing)
