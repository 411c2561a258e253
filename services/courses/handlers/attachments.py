"""Files attached to a course (R-CRS-1): uploaded by its unit's business accounts while
the course is a draft or returned, downloaded by whoever may see the course. The bytes go
to the file store first and the row commits after: a failed commit leaves an orphan file
at worst (deleted here), never a row without its file."""
from __future__ import annotations

import hashlib
import uuid
from typing import IO, TYPE_CHECKING, Any

from servicekit.clock import Clock
from servicekit.errors import NotFound
from services.courses.adapters.files import FileStore
from services.courses.adapters.uow import CoursesUnitOfWork
from services.courses.config import CoursesConfig
from services.courses.domain import access
from services.courses.domain.attachments import (
    KINDS,
    SIGNATURE_BYTES,
    Attachment,
    media_type_of,
    safe_filename,
    too_large,
)
from services.courses.domain.courses import check_editable, invalid
from services.courses.handlers.lifecycle import organised_course

if TYPE_CHECKING:  # the token's reader pulls in the web stack; handlers need only its shape
    from servicekit.tokens import Principal


def read_limited(stream: IO[bytes], limit: int) -> bytes:
    """At most ``limit`` bytes, refused beyond without reading the rest."""
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise too_large(limit)
    return content


def upload(work: CoursesUnitOfWork, clock: Clock, files: FileStore, config: CoursesConfig,
           principal: Principal, course_id: str, kind: str, filename: str,
           stream: IO[bytes] | None) -> dict[str, Any]:
    stored: str | None = None
    try:
        with work:
            course = organised_course(work, principal, course_id)
            check_editable(course)
            if kind not in KINDS:
                raise invalid({"kind": [f"one of {', '.join(KINDS)}"]})
            if stream is None:
                raise invalid({"file": ["a file is required"]})
            content = read_limited(stream, config.attachment_max_bytes)
            name = safe_filename(filename)
            media_type = media_type_of(name, content[:SIGNATURE_BYTES], config.attachment_types)
            attachment_id = str(uuid.uuid4())
            attachment = Attachment(attachment_id, course.course_id, kind, name, media_type,
                                    len(content), hashlib.sha256(content).hexdigest(),
                                    f"{course.course_id}/{attachment_id}", principal.subject,
                                    clock.now())
            work.courses.add_attachment(attachment)
            stored = attachment.storage_key
            files.put(stored, content)
    except BaseException:
        if stored is not None:
            files.delete(stored)
        raise
    return view(attachment)


def download(work: CoursesUnitOfWork, files: FileStore, principal: Principal | None,
             course_id: str, attachment_id: str) -> tuple[Attachment, bytes]:
    with work:
        course = work.courses.get(course_id)
        if course is None or not access.may_see(principal, course):
            raise access.course_not_found(course_id)
        attachment = work.courses.attachment(course_id, attachment_id)
        if attachment is None:
            raise NotFound(f"no attachment {attachment_id}")
    return attachment, files.get(attachment.storage_key)


def view(attachment: Attachment) -> dict[str, Any]:
    return {"id": attachment.attachment_id, "kind": attachment.kind,
            "filename": attachment.filename, "media_type": attachment.media_type,
            "size": attachment.size, "sha256": attachment.sha256,
            "uploaded_at": attachment.uploaded_at}
