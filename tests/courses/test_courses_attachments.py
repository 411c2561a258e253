"""Attachments (R-CRS-1: the approval letter and others): uploaded by the course's unit
while it can be edited, within the size limit and the type allow-list (settings), kept in
the file store; downloaded by whoever may see the course, and by nobody else."""
from __future__ import annotations

import io

from courses_helpers import course_body

PROBLEM = "urn:inservice:problem:"
PDF = b"%PDF-1.7\n" + b"0" * 100


def course(api) -> str:
    return api.business("post", "/", json=course_body()).get_json()["id"]


def upload(api, course_id: str, content: bytes, name: str = "核定公文.pdf",
           kind: str = "approval_letter", unit: str = "353301"):
    return api.business("post", f"/{course_id}/attachments", unit=unit,
                        data={"kind": kind, "file": (io.BytesIO(content), name)},
                        content_type="multipart/form-data")


def test_the_unit_uploads_a_letter_and_those_who_may_see_download_it(api) -> None:
    course_id = course(api)
    answer = upload(api, course_id, PDF)
    assert answer.status_code == 201, answer.get_json()
    attached = answer.get_json()
    assert (attached["kind"], attached["filename"], attached["media_type"], attached["size"]) == \
        ("approval_letter", "核定公文.pdf", "application/pdf", len(PDF))
    path = f"/{course_id}/attachments/{attached['id']}"
    got = api.business("get", path)
    assert got.status_code == 200 and got.data == PDF
    assert got.headers["Content-Type"] == "application/pdf"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment;" in got.headers["Content-Disposition"]
    assert api.business("get", f"/{course_id}").get_json()["attachments"][0]["id"] == attached["id"]
    # A draft: nobody outside the unit knows of it, nor of its files.
    assert api.call("get", path).status_code == 404
    assert api.business("get", path, unit="193601").status_code == 404
    assert api.business("get", f"/{course_id}/attachments/"
                               "5a1f3c1e-0000-4000-8000-000000000000").status_code == 404


def test_another_unit_cannot_attach(api) -> None:
    course_id = course(api)
    assert upload(api, course_id, PDF, unit="193601").status_code == 404


def test_too_large_and_refused_types_answer_their_problem_and_store_nothing(api, tmp_path) -> None:
    from dataclasses import replace
    parts = api.runtime.components
    limit = 1000  # small: the test client spools a large body to a file it never closes
    api.runtime.__dict__["components"] = replace(
        parts, config=replace(parts.config, attachment_max_bytes=limit))
    course_id = course(api)
    assert upload(api, course_id, b"%PDF-" + b"0" * (limit - 5)).status_code == 201
    large = upload(api, course_id, b"%PDF-" + b"0" * (limit - 4))
    assert (large.status_code, large.get_json()["type"]) == (413, PROBLEM + "attachment-too-large")
    exe = upload(api, course_id, b"MZ\x90\x00" + b"0" * 50, name="setup.exe")
    assert (exe.status_code, exe.get_json()["type"]) == (422, PROBLEM + "attachment-type-refused")
    renamed = upload(api, course_id, b"MZ\x90\x00" + b"0" * 50, name="letter.pdf")
    assert renamed.get_json()["type"] == PROBLEM + "attachment-type-refused"
    kind = upload(api, course_id, PDF, kind="selfie")
    assert kind.status_code == 422 and "kind" in kind.get_json()["errors"]
    assert len(api.business("get", f"/{course_id}").get_json()["attachments"]) == 1
    stored = api.runtime.components.config.attachments_dir
    assert len([p for p in stored.rglob("*") if p.is_file()]) == 1


def test_a_submitted_course_takes_no_new_file(api) -> None:
    course_id = course(api)
    api.business("post", f"/{course_id}/submission")
    refused = upload(api, course_id, PDF)
    assert (refused.status_code, refused.get_json()["type"]) == \
        (409, PROBLEM + "course-not-editable")


def test_an_approved_courses_files_are_public(api) -> None:
    course_id = course(api)
    attached = upload(api, course_id, PDF).get_json()
    api.business("post", f"/{course_id}/submission")
    api.reviewer("post", f"/{course_id}/review", json={"decision": "approve"})
    got = api.call("get", f"/{course_id}/attachments/{attached['id']}")
    assert got.status_code == 200 and got.data == PDF


def test_the_limit_and_the_types_are_settings(tmp_path) -> None:
    import pytest

    from servicekit.settings import InvalidSetting, Settings
    from services.courses.config import CoursesConfig
    config = CoursesConfig.from_settings(Settings.from_env("courses", {
        "DATA_DIR": str(tmp_path), "COURSES_ATTACHMENT_MAX_BYTES": "1000",
        "COURSES_ATTACHMENT_TYPES": "pdf, .PNG"}))
    assert (config.attachment_max_bytes, config.attachment_types) == (1000, ("pdf", "png"))
    assert config.attachments_dir == tmp_path / "attachments"
    with pytest.raises(InvalidSetting):
        CoursesConfig.from_settings(Settings.from_env("courses", {
            "DATA_DIR": str(tmp_path), "COURSES_ATTACHMENT_TYPES": "pdf,exe"}))
