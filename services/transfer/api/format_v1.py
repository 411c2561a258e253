"""The transfer format, published (R-TRF-4): the files kept in the repository, served as
they are, to anyone (a source reads them before it has credentials)."""
from __future__ import annotations

from pathlib import Path

from flask import Response

from servicekit.api import PUBLIC
from services.transfer.api.base import api

FORMAT = Path(__file__).resolve().parent.parent / "format"
_FILES = {
    "schema": (FORMAT / "v1" / "transfer-v1.schema.json", "application/schema+json"),
    "xsd": (FORMAT / "v1" / "transfer-v1.xsd", "application/xml"),
    "changelog": (FORMAT / "CHANGELOG.md", "text/markdown; charset=utf-8"),
}


def _file(name: str) -> Response:
    path, media = _FILES[name]
    return Response(path.read_bytes(), mimetype=media.split(";")[0],
                    headers={"Content-Type": media, "Cache-Control": "public, max-age=3600"})


@api.route("/format/v1/schema.json", "GET", allow=PUBLIC,
           summary="Transfer format v1 as JSON Schema")
def format_json_schema(principal):
    return _file("schema")


@api.route("/format/v1/transfer.xsd", "GET", allow=PUBLIC,
           summary="Transfer format v1 as XML Schema")
def format_xsd(principal):
    return _file("xsd")


@api.route("/format/changelog", "GET", allow=PUBLIC,
           summary="The versions of the transfer format and what changed")
def format_changelog(principal):
    return _file("changelog")
