"""Planning's tables (R-CRS-13): school-based plans, teachers' own plans, and what they
read of the replicas (the school's unit, the school's teachers)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from services.courses.adapters.orm import school_plans, teacher_plans, teacher_replica, unit_replica
from services.courses.domain.planning import (
    SchoolPlanContent,
    SchoolTeacher,
    TeacherPlanContent,
    WrittenPlan,
    school_from_json,
    school_to_json,
    teacher_from_json,
    teacher_to_json,
)


@dataclass(frozen=True)
class SchoolPlan:
    unit_code: str
    school_year: int
    status: str
    content: SchoolPlanContent
    version: int
    created_at: datetime
    updated_at: datetime
    updated_by: str
    submitted_at: datetime | None
    submitted_by: str | None


@dataclass(frozen=True)
class TeacherPlan:
    account_id: str
    school_year: int
    unit_code: str
    content: TeacherPlanContent
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TeacherRecord:
    account_id: str
    name: str
    unit_code: str | None
    status: str


def _school_plan(row: Any) -> SchoolPlan:
    return SchoolPlan(row.unit_code, row.school_year, row.status, school_from_json(row.content),
                      row.version, row.created_at, row.updated_at, row.updated_by,
                      row.submitted_at, row.submitted_by)


class PlanRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- the replicas ---------------------------------------------------------------------

    def unit(self, code: str) -> dict[str, Any] | None:
        row = self.session.execute(select(unit_replica).where(unit_replica.c.code == code)).first()
        return dict(row._mapping) if row else None

    def teacher(self, account_id: str) -> TeacherRecord | None:
        t = teacher_replica.c
        row = self.session.execute(select(t.account_id, t.name, t.unit_code, t.status)
                                   .where(t.account_id == account_id)).first()
        return TeacherRecord(row.account_id, row.name, row.unit_code, row.status) if row else None

    def teachers_of(self, unit_code: str) -> list[SchoolTeacher]:
        """The school's enabled teachers, as the replica knows them now."""
        t = teacher_replica.c
        return [SchoolTeacher(row.account_id, row.name) for row in self.session.execute(
            select(t.account_id, t.name).where(t.unit_code == unit_code, t.status == "enabled")
            .order_by(t.name, t.account_id))]

    # -- school plans -----------------------------------------------------------------------

    def school_plan(self, unit_code: str, school_year: int) -> SchoolPlan | None:
        p = school_plans.c
        row = self.session.execute(select(school_plans).where(
            p.unit_code == unit_code, p.school_year == school_year)).first()
        return _school_plan(row) if row else None

    def _insert(self, statement: Any) -> bool:
        """False when the row is there already (written meanwhile): nothing written, and the
        transaction goes on (a savepoint)."""
        try:
            with self.session.begin_nested():
                self.session.execute(statement)
        except IntegrityError:
            return False
        return True

    def add_school_plan(self, plan: SchoolPlan) -> bool:
        return self._insert(insert(school_plans).values(
            unit_code=plan.unit_code, school_year=plan.school_year, status=plan.status,
            content=school_to_json(plan.content), version=plan.version,
            created_at=plan.created_at, updated_at=plan.updated_at, updated_by=plan.updated_by,
            submitted_at=plan.submitted_at, submitted_by=plan.submitted_by))

    def update_school_plan(self, plan: SchoolPlan, expected_version: int) -> bool:
        """False when it was changed meanwhile (nothing written)."""
        p = school_plans.c
        return rows_changed(self.session.execute(update(school_plans).where(
            p.unit_code == plan.unit_code, p.school_year == plan.school_year,
            p.version == expected_version).values(
            status=plan.status, content=school_to_json(plan.content), version=plan.version,
            updated_at=plan.updated_at, updated_by=plan.updated_by,
            submitted_at=plan.submitted_at, submitted_by=plan.submitted_by))) == 1

    def submitted_plans(self, school_year: int, authority: str | None
                        ) -> list[tuple[SchoolPlan, dict[str, Any]]]:
        """Submitted plans of the year with their school, of the schools an authority
        supervises or whose county it is (every school's with ``None``), by unit code."""
        p, u = school_plans.c, unit_replica.c
        query = (select(school_plans, u.name.label("unit_name"),
                        u.authority_code, u.county_code)
                 .join(unit_replica, u.code == p.unit_code)
                 .where(p.school_year == school_year, p.status == "submitted")
                 .order_by(p.unit_code))
        if authority is not None:
            query = query.where(or_(u.authority_code == authority, u.county_code == authority))
        return [(_school_plan(row), {"code": row.unit_code, "name": row.unit_name,
                                     "authority_code": row.authority_code,
                                     "county_code": row.county_code})
                for row in self.session.execute(query)]

    # -- teacher plans ----------------------------------------------------------------------

    def teacher_plan(self, account_id: str, school_year: int) -> TeacherPlan | None:
        p = teacher_plans.c
        row = self.session.execute(select(teacher_plans).where(
            p.account_id == account_id, p.school_year == school_year)).first()
        if row is None:
            return None
        return TeacherPlan(row.account_id, row.school_year, row.unit_code,
                           teacher_from_json(row.content), row.version, row.created_at,
                           row.updated_at)

    def add_teacher_plan(self, plan: TeacherPlan, hours: Decimal) -> bool:
        return self._insert(insert(teacher_plans).values(
            account_id=plan.account_id, school_year=plan.school_year, unit_code=plan.unit_code,
            content=teacher_to_json(plan.content), hours=hours, version=plan.version,
            created_at=plan.created_at, updated_at=plan.updated_at))

    def update_teacher_plan(self, plan: TeacherPlan, hours: Decimal,
                            expected_version: int) -> bool:
        p = teacher_plans.c
        return rows_changed(self.session.execute(update(teacher_plans).where(
            p.account_id == plan.account_id, p.school_year == plan.school_year,
            p.version == expected_version).values(
            unit_code=plan.unit_code, content=teacher_to_json(plan.content), hours=hours,
            version=plan.version, updated_at=plan.updated_at))) == 1

    def written_plans(self, account_ids: Iterable[str], school_year: int
                      ) -> dict[str, WrittenPlan]:
        """The plans of these teachers for the year, by account id (in chunks: a school has
        at most a few hundred teachers, a statement takes a bounded list)."""
        ids, found = list(account_ids), {}
        p = teacher_plans.c
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for row in self.session.execute(
                    select(p.account_id, p.content, p.updated_at)
                    .where(and_(p.school_year == school_year, p.account_id.in_(chunk)))):
                found[row.account_id] = WrittenPlan(row.account_id,
                                                    teacher_from_json(row.content),
                                                    row.updated_at)
        return found
