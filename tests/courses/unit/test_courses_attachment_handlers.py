"""Attachments on a fake unit of work: a file whose row does not commit is not kept."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from courses_fakes import FakeCoursesUnitOfWork
from courses_helpers import course_body

from servicekit.errors import Invalid
from servicekit.tokens import Principal
from services.courses.adapters.files import MemoryStore
from services.courses.config import CoursesConfig
from services.courses.handlers import attachments, lifecycle
from services.courses.routes.schemas import CourseFieldsSchema

BUSINESS = Principal("biz-353301", frozenset({"business"}), unit="353301")
CONFIG = CoursesConfig(7, 1000, ("pdf", "png"), Path("/nonexistent"))
PDF = b"%PDF-1.4 letter"


class CommitFails(FakeCoursesUnitOfWork):
    fail = False

    def __exit__(self, kind, error, trace) -> None:
        super().__exit__(kind, error, trace)
        if kind is None and self.fail:
            raise ConnectionError("the database went away at commit")


def test_a_file_whose_row_does_not_commit_is_deleted(clock) -> None:
    work, files = CommitFails(), MemoryStore()
    course = lifecycle.register(work, clock, BUSINESS, CourseFieldsSchema().load(course_body()))
    work.fail = True
    with pytest.raises(ConnectionError):
        attachments.upload(work, clock, files, CONFIG, BUSINESS, course["id"],
                           "approval_letter", "letter.pdf", io.BytesIO(PDF))
    assert files.files == {}
    work.fail = False
    kept = attachments.upload(work, clock, files, CONFIG, BUSINESS, course["id"],
                              "approval_letter", "letter.pdf", io.BytesIO(PDF))
    assert list(files.files.values()) == [PDF] and kept["size"] == len(PDF)


def test_a_type_the_settings_leave_out_is_refused(work, clock) -> None:
    course = lifecycle.register(work, clock, BUSINESS, CourseFieldsSchema().load(course_body()))
    jpeg = b"\xff\xd8\xff\xe0" + b"0" * 20
    with pytest.raises(Invalid) as refused:
        attachments.upload(work, clock, MemoryStore(), CONFIG, BUSINESS, course["id"], "other",
                           "photo.jpg", io.BytesIO(jpeg))
    assert refused.value.slug == "attachment-type-refused"
    assert refused.value.facts["allowed"] == ["pdf", "png"]


def test_a_client_path_never_reaches_the_name(work, clock) -> None:
    course = lifecycle.register(work, clock, BUSINESS, CourseFieldsSchema().load(course_body()))
    kept = attachments.upload(work, clock, MemoryStore(), CONFIG, BUSINESS, course["id"],
                              "other", "..\\..\\etc/passwd\x00.pdf", io.BytesIO(PDF))
    assert kept["filename"] == "passwd.pdf"
