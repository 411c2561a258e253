"""The stats unit of work: reports read the figures through it."""
from __future__ import annotations

from sqlalchemy.orm import Session

from servicekit.uow import SqlUnitOfWork
from services.stats.adapters.reports_repo import FiguresReader


class StatsUnitOfWork(SqlUnitOfWork):
    figures: FiguresReader

    def open_repositories(self, session: Session) -> None:
        self.figures = FiguresReader(session)
