"""Revision 0007 indexes the courses registered before it (R-CRS-9): a catalogue migrated
from 0006 finds its old courses by keyword, lecturer and audience, as new ones are; 0013
gives the published ones' documents their unit; 0015 their enrolment window and whether
seats are left (``open_now`` from the documents)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from courses_factory import STARTS, add_course
from sqlalchemy import insert, select

from servicekit.db import Database
from servicekit.migrations import upgrade
from services.courses.adapters.orm import course_search_documents, course_seats
from services.courses.adapters.search_index import SearchIndex
from services.courses.bootstrap import DEFINITION
from services.courses.domain.search import Keyword, SearchRequest


def test_courses_before_the_index_are_indexed_by_the_migration(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'courses.sqlite3'}")
    try:
        upgrade(DEFINITION.migrations_dir, database, "0006")
        old = add_course(database, title="海洋教育「增能」研習", lecturers=["陳美玲"],
                         audiences=["elementary", "junior_high"])
        other = add_course(database, title="閱讀理解教學")
        upgrade(DEFINITION.migrations_dir, database)
        with database.session() as session:
            index = SearchIndex(session)

            def found(**asked) -> list[str]:
                request = SearchRequest(today=STARTS, **asked)
                return index.page(request, index.conditions(request, {"approved"}))

            assert found(q=Keyword.of("海洋")) == [old]
            assert found(q=Keyword.of("增能研習")) == []  # not one run in the title
            assert found(q=Keyword.of("增能 研習")) == [old]
            assert found(lecturer=Keyword.of("美玲")) == [old]
            assert found(audience="junior_high") == [old]
            assert sorted(found(q=Keyword.of("教"))) == sorted([old, other])
    finally:
        database.dispose()


def test_revision_0013_gives_the_published_courses_documents_their_unit(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'courses.sqlite3'}")
    try:
        upgrade(DEFINITION.migrations_dir, database, "0006")
        published = add_course(database, title="海洋教育研習", unit_code="353301")
        draft = add_course(database, title="閱讀理解教學", status="draft")
        upgrade(DEFINITION.migrations_dir, database, "0012")
        upgrade(DEFINITION.migrations_dir, database)
        with database.session() as session:
            units = dict(session.execute(select(course_search_documents.c.course_id,
                                                course_search_documents.c.unit_code)).all())
        assert units == {published: "353301", draft: None}
    finally:
        database.dispose()

LATER = datetime(2100, 1, 4, tzinfo=UTC)


def test_revision_0015_gives_the_published_courses_documents_their_window_and_seats(
        tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'courses.sqlite3'}")
    try:
        upgrade(DEFINITION.migrations_dir, database, "0006")
        # courses still to come when the migration runs (later than any real clock)
        window = {"enrolment_opens_at": LATER, "enrolment_closes_at": LATER + timedelta(days=7),
                  "starts_on": LATER.date() + timedelta(days=10),
                  "ends_on": LATER.date() + timedelta(days=10)}
        full, taken, untouched = (add_course(database, title=title, capacity=3, **window)
                                  for title in ("海洋教育研習", "閱讀理解教學", "數學素養"))
        draft = add_course(database, title="防災演練", status="draft", **window)
        closed = add_course(database, title="性平教育", starts_on=date(2020, 5, 1),
                            ends_on=date(2020, 5, 1))  # over a year before the migration
        with database.session() as session:
            session.execute(insert(course_seats), [
                {"course_id": full, "enrolled": 3, "waitlisted": 1, "arrivals": 4},
                {"course_id": taken, "enrolled": 2, "waitlisted": 0, "arrivals": 2}])
        upgrade(DEFINITION.migrations_dir, database, "0014")
        upgrade(DEFINITION.migrations_dir, database)
        with database.session() as session:
            documents = {row.course_id: row for row in session.execute(
                select(course_search_documents))}
            assert {course_id: row.has_seats for course_id, row in documents.items()} == {
                full: False, taken: True, untouched: True, draft: None, closed: None}
            assert documents[taken].enrolment_opens_at == LATER
            assert documents[draft].enrolment_opens_at is None
            assert documents[closed].enrolment_opens_at is None  # its window long closed
            index = SearchIndex(session)
            request = SearchRequest(today=LATER.date(), open_now=LATER + timedelta(days=1))
            assert index.from_documents(request)
            assert sorted(index.page(request, index.conditions(request, {"approved"}))) \
                == sorted([taken, untouched])
    finally:
        database.dispose()
