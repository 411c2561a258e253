"""The operator-managed vocabularies in the courses database."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from services.courses.adapters.orm import course_vocabulary
from services.courses.domain.vocabularies import Term, Vocabulary

_FIELDS = ("kind", "code", "label", "parent_code", "position", "active", "short_label",
           "basis", "added_on")


class VocabularyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.terms())

    def terms(self, kind: str | None = None) -> list[Term]:
        v = course_vocabulary.c
        query = select(*(v[name] for name in _FIELDS)).order_by(v.kind, v.position, v.code)
        if kind is not None:
            query = query.where(v.kind == kind)
        return [Term(**row._mapping) for row in self.session.execute(query)]

    def put(self, term: Term, at: datetime) -> bool:
        """Adds or replaces a term; True when it was new."""
        v = course_vocabulary.c
        values = {name: getattr(term, name) for name in _FIELDS}
        written = self.session.execute(update(course_vocabulary).where(
            v.kind == term.kind, v.code == term.code).values(**values, updated_at=at))
        if rows_changed(written):
            return False
        self.session.execute(insert(course_vocabulary).values(**values, updated_at=at))
        return True

    def add_missing(self, terms: Iterable[Term], at: datetime) -> int:
        """Seeds the terms not there yet; never changes one an operator changed."""
        v = course_vocabulary.c
        known = {(kind, code) for kind, code in self.session.execute(select(v.kind, v.code))}
        new = [{name: getattr(term, name) for name in _FIELDS} | {"updated_at": at}
               for term in terms if (term.kind, term.code) not in known]
        if new:
            self.session.execute(insert(course_vocabulary), new)
        return len(new)
