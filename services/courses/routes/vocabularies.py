"""Routes of the vocabularies (R-CRS-1, R-CRS-3, R-CRS-8): read by anyone, kept by the
network's operators."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from servicekit.api import PUBLIC, roles
from servicekit.tokens import Principal
from services.courses.api import api
from services.courses.handlers import vocabularies
from services.courses.routes import schemas as s
from services.courses.routes.base import components, path_code, runtime


@api.route("/vocabularies/<kind>", "GET", allow=PUBLIC, response=s.TermSchema, many=True,
           summary="The terms of a vocabulary (category, subcategory, subject, class_type, "
                   "nature, time_slot, audience, tag, return_reason)")
def list_terms(principal: Principal | None, kind: str) -> Any:
    return vocabularies.terms(components().uow(), kind)


@api.route("/vocabularies/<kind>/<code>", "PUT", allow=roles("operator", "admin"),
           body=s.TermBodySchema, response=s.TermSchema,
           summary="Add or change a term (retire it with active false)")
def put_term(principal: Principal, kind: str, code: str, body: dict[str, Any]) -> Any:
    term, created = vocabularies.put_term(components().uow(), runtime().clock, kind,
                                          path_code(code), body)
    answer = jsonify(s.TermSchema().dump(term))
    answer.status_code = 201 if created else 200
    return answer
