"""Routes of a course's attachments (R-CRS-1): upload by its unit, download by whoever
may see the course."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, request

from servicekit.api import PUBLIC, roles
from servicekit.tokens import Principal
from services.courses.api import api
from services.courses.handlers import attachments
from services.courses.routes import schemas as s
from services.courses.routes.base import components, path_id, runtime


@api.route("/<course_id>/attachments", "POST", allow=roles("business"),
           response=s.AttachmentSchema, status=201,
           summary="Attach a file (multipart: `file`, and `kind` approval_letter or other)")
def upload_attachment(principal: Principal, course_id: str) -> Any:
    upload = request.files.get("file")
    parts = components()
    try:
        return attachments.upload(parts.uow(), runtime().clock, parts.files, parts.config,
                                  principal, path_id(course_id, "course"),
                                  request.form.get("kind", "other"),
                                  (upload.filename or "") if upload else "",
                                  upload.stream if upload else None)
    finally:
        if upload is not None:
            upload.close()


@api.route("/<course_id>/attachments/<attachment_id>", "GET", allow=PUBLIC,
           summary="Download an attachment of a course the caller may see")
def download_attachment(principal: Principal | None, course_id: str, attachment_id: str) -> Any:
    parts = components()
    found, content = attachments.download(parts.uow(), parts.files, principal,
                                          path_id(course_id, "course"),
                                          path_id(attachment_id, "attachment"))
    response = Response(content, mimetype=found.media_type)
    response.headers["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(found.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
