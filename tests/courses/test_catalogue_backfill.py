"""Revision 0007 indexes the courses registered before it (R-CRS-9): a catalogue migrated
from 0006 finds its old courses by keyword, lecturer and audience, as new ones are; 0013
gives the published ones' documents their unit."""
from __future__ import annotations

from courses_factory import OPENS, STARTS, add_course
from sqlalchemy import select

from servicekit.db import Database
from servicekit.migrations import upgrade
from services.courses.adapters.orm import course_search_documents
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
                return index.page(request, index.conditions(request, {"approved"}, OPENS))

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
