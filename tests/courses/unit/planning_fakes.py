"""In-memory planning repository for the handler tests (R-CRS-13): the replicas' units and
teachers, school plans and teachers' plans, with the SQL repository's promises (a stale
version writes nothing; a first save of a plan that is there already writes nothing)."""
from __future__ import annotations

from typing import Any

from courses_fakes import FakeCoursesUnitOfWork

from services.courses.adapters.plans_repo import TeacherRecord
from services.courses.domain.planning import SchoolTeacher, WrittenPlan


class FakePlans:
    def __init__(self) -> None:
        self.units: dict[str, dict[str, Any]] = {}
        self.teachers: dict[str, TeacherRecord] = {}
        self.schools: dict[tuple[str, int], Any] = {}
        self.mine: dict[tuple[str, int], Any] = {}
        self.taken_meanwhile = False  # a first save finds the row written by another

    def add_unit(self, code: str, unit_type: str, authority: str, county: str | None) -> None:
        self.units[code] = {"code": code, "name": f"學校 {code}", "unit_type": unit_type,
                            "authority_code": authority, "county_code": county}

    def add_teacher(self, account_id: str, name: str, school: str | None,
                    status: str = "enabled") -> None:
        self.teachers[account_id] = TeacherRecord(account_id, name, school, status)

    def unit(self, code: str):
        return self.units.get(code)

    def teacher(self, account_id: str):
        return self.teachers.get(account_id)

    def teachers_of(self, unit_code: str) -> list[SchoolTeacher]:
        return sorted((SchoolTeacher(t.account_id, t.name) for t in self.teachers.values()
                       if t.unit_code == unit_code and t.status == "enabled"),
                      key=lambda t: (t.name, t.account_id))

    def school_plan(self, unit_code: str, school_year: int):
        return self.schools.get((unit_code, school_year))

    def add_school_plan(self, plan) -> bool:
        if self.taken_meanwhile or (plan.unit_code, plan.school_year) in self.schools:
            return False
        self.schools[(plan.unit_code, plan.school_year)] = plan
        return True

    def update_school_plan(self, plan, expected_version: int) -> bool:
        kept = self.schools.get((plan.unit_code, plan.school_year))
        if kept is None or kept.version != expected_version:
            return False
        self.schools[(plan.unit_code, plan.school_year)] = plan
        return True

    def submitted_plans(self, school_year: int, authority: str | None):
        return [(plan, self.units[code]) for (code, year), plan in sorted(self.schools.items())
                if year == school_year and plan.status == "submitted"
                and (authority is None or authority in (self.units[code]["authority_code"],
                                                        self.units[code]["county_code"]))]

    def teacher_plan(self, account_id: str, school_year: int):
        return self.mine.get((account_id, school_year))

    def add_teacher_plan(self, plan, hours) -> bool:
        if self.taken_meanwhile or (plan.account_id, plan.school_year) in self.mine:
            return False
        self.mine[(plan.account_id, plan.school_year)] = plan
        return True

    def update_teacher_plan(self, plan, hours, expected_version: int) -> bool:
        kept = self.mine.get((plan.account_id, plan.school_year))
        if kept is None or kept.version != expected_version:
            return False
        self.mine[(plan.account_id, plan.school_year)] = plan
        return True

    def written_plans(self, account_ids, school_year: int) -> dict[str, WrittenPlan]:
        return {a: WrittenPlan(a, self.mine[(a, school_year)].content,
                               self.mine[(a, school_year)].updated_at)
                for a in account_ids if (a, school_year) in self.mine}


class FakePlanningUnitOfWork(FakeCoursesUnitOfWork):
    def open_repositories(self) -> None:
        super().open_repositories()
        self.plans = FakePlans()
