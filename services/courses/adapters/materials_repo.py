"""Reading and writing digital-material and distance course review cases (R-CRS-14) with
their rounds, reviewers and files, in the unit of work's transaction."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, select, update
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from services.courses.adapters.orm import (
    material_assignments,
    material_attachments,
    material_cases,
    material_rounds,
    unit_replica,
)
from services.courses.domain.attachments import Attachment
from services.courses.domain.materials import CASE_FIELDS, PASSED, Assignment, Case, Round

cases, rounds, assigned = material_cases.c, material_rounds.c, material_assignments.c


def _round_values(case_id: str, part: Round) -> dict[str, Any]:
    return {"case_id": case_id, "round": part.number,
            **{name: part.fields[name] for name in CASE_FIELDS},
            "submitted_at": part.submitted_at, "result": part.result, "mean": part.mean,
            "decided_at": part.decided_at, "decided_on": part.decided_on}


class MaterialRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- the case -------------------------------------------------------------------------

    def add(self, case: Case) -> None:
        self.session.execute(insert(material_cases).values(
            case_id=case.case_id, unit_code=case.unit_code, status=case.status,
            round=case.round, submitted_by=case.submitted_by, submitted_at=case.submitted_at,
            version=case.version))
        self._write_round(case.case_id, case.current, new=True)

    def get(self, case_id: str, *, for_update: bool = False) -> Case | None:
        """The case with every round; ``for_update`` holds its row until the commit (two
        last scores arriving together are decided once, by whichever comes second)."""
        query = select(material_cases).where(cases.case_id == case_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).first()
        if row is None:
            return None
        parts = {r.round: Round(r.round, {name: getattr(r, name) for name in CASE_FIELDS},
                                r.submitted_at, {}, r.result, r.mean, r.decided_at, r.decided_on)
                 for r in self.session.execute(select(material_rounds)
                                               .where(rounds.case_id == case_id))}
        for a in self.session.execute(select(material_assignments)
                                      .where(assigned.case_id == case_id)):
            parts[a.round].assignments[a.role] = Assignment(
                a.role, a.reviewer_id, a.assigned_by, a.assigned_at, a.score, a.comment,
                a.scored_at)
        ordered = [parts[number] for number in sorted(parts)]
        return Case(row.case_id, row.unit_code, row.status, row.round,
                    dict(parts[row.round].fields), row.submitted_by, row.submitted_at,
                    row.version, ordered)

    def save(self, case: Case, expected_version: int, *, new_round: bool = False) -> bool:
        """The case's state and its current round (fields, result, reviewers and scores);
        earlier rounds are decided and never change. False when the case changed meanwhile."""
        changed = rows_changed(self.session.execute(
            update(material_cases)
            .where(cases.case_id == case.case_id, cases.version == expected_version)
            .values(status=case.status, round=case.round, version=case.version)))
        if not changed:
            return False
        self._write_round(case.case_id, case.current, new=new_round)
        return True

    def _write_round(self, case_id: str, part: Round, *, new: bool) -> None:
        values = _round_values(case_id, part)
        if new:
            self.session.execute(insert(material_rounds).values(**values))
        else:
            self.session.execute(update(material_rounds).where(
                rounds.case_id == case_id, rounds.round == part.number).values(**values))
        self.session.execute(delete(material_assignments).where(
            assigned.case_id == case_id, assigned.round == part.number))
        if part.assignments:
            self.session.execute(insert(material_assignments), [
                {"case_id": case_id, "round": part.number, "role": a.role,
                 "reviewer_id": a.reviewer_id, "assigned_by": a.assigned_by,
                 "assigned_at": a.assigned_at, "score": a.score, "comment": a.comment,
                 "scored_at": a.scored_at} for a in part.assignments.values()])

    # -- lists ----------------------------------------------------------------------------

    def _summaries(self) -> Select[Any]:
        return (select(cases.case_id, cases.unit_code, unit_replica.c.name.label("unit_name"),
                       cases.status, cases.round, cases.submitted_at, rounds.title, rounds.kind,
                       rounds.hours, rounds.subject_area, rounds.result, rounds.mean,
                       rounds.decided_on)
                .join(material_rounds, and_(rounds.case_id == cases.case_id,
                                   rounds.round == cases.round))
                .outerjoin(unit_replica, unit_replica.c.code == cases.unit_code))

    def _page(self, query: Select[Any], page: int, per_page: int
              ) -> tuple[list[dict[str, Any]], int]:
        total = self.session.execute(
            select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
        rows = self.session.execute(query.limit(per_page).offset((page - 1) * per_page))
        return [dict(row._mapping) for row in rows], int(total)

    def summaries(self, *, unit: str | None, reviewer: str | None, status: str | None, page: int,
             per_page: int) -> tuple[list[dict[str, Any]], int]:
        """Cases newest first: of one unit, or those whose current round ``reviewer`` is
        assigned to, or all (both None)."""
        query = self._summaries().order_by(cases.submitted_at.desc(), cases.case_id)
        if unit is not None:
            query = query.where(cases.unit_code == unit)
        if reviewer is not None:
            query = query.where(select(assigned.case_id).where(
                assigned.case_id == cases.case_id, assigned.round == cases.round,
                assigned.reviewer_id == reviewer).exists())
        if status is not None:
            query = query.where(cases.status == status)
        return self._page(query, page, per_page)

    def passed(self, kind: str | None, page: int, per_page: int
               ) -> tuple[list[dict[str, Any]], int]:
        """The published list: passed cases, the latest decided first."""
        query = (self._summaries().where(cases.status == PASSED)
                 .order_by(rounds.decided_at.desc(), cases.case_id))
        if kind is not None:
            query = query.where(rounds.kind == kind)
        return self._page(query, page, per_page)

    def reviewed_by(self, case_id: str, reviewer: str) -> bool:
        """Whether ``reviewer`` is assigned to any round of the case."""
        return self.session.execute(select(assigned.case_id).where(
            assigned.case_id == case_id, assigned.reviewer_id == reviewer).limit(1)
        ).first() is not None

    # -- files ----------------------------------------------------------------------------

    def add_attachment(self, attachment: Attachment) -> None:
        self.session.execute(insert(material_attachments).values(
            attachment_id=attachment.attachment_id, case_id=attachment.course_id,
            filename=attachment.filename, media_type=attachment.media_type,
            size=attachment.size, sha256=attachment.sha256,
            storage_key=attachment.storage_key, uploaded_by=attachment.uploaded_by,
            uploaded_at=attachment.uploaded_at))

    def attachments(self, case_id: str) -> list[Attachment]:
        c = material_attachments.c
        return [self._attachment(row) for row in self.session.execute(
            select(material_attachments).where(c.case_id == case_id)
            .order_by(c.uploaded_at, c.attachment_id))]

    def attachment(self, case_id: str, attachment_id: str) -> Attachment | None:
        c = material_attachments.c
        row = self.session.execute(select(material_attachments).where(
            c.case_id == case_id, c.attachment_id == attachment_id)).first()
        return self._attachment(row) if row else None

    @staticmethod
    def _attachment(row: Any) -> Attachment:
        return Attachment(row.attachment_id, row.case_id, "other", row.filename, row.media_type,
                          row.size, row.sha256, row.storage_key, row.uploaded_by,
                          row.uploaded_at)
