"""The vocabularies courses are registered and reviewed with (R-CRS-1, R-CRS-3, R-CRS-8):
seeded at migrate (reference data, every mode), read by anyone, changed by the network's
operators. A term is retired (``active`` false), never deleted: old courses keep its code."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from servicekit.clock import Clock
from servicekit.errors import Invalid, NotFound
from servicekit.service import Runtime
from services.courses.adapters.uow import CoursesUnitOfWork
from services.courses.domain.courses import invalid
from services.courses.domain.reference import SEED
from services.courses.domain.vocabularies import KINDS, PARENT_KIND, TAG, Term
from services.courses.handlers import catalogue


def seed(work: CoursesUnitOfWork, clock: Clock) -> int:
    """The seeded terms not there yet (idempotent; an operator's change stays)."""
    with work:
        return work.vocabularies.add_missing(SEED, clock.now())


def seed_reference_data(runtime: Runtime) -> int:
    """``after_migrate``: the vocabularies every mode starts with."""
    return seed(runtime.components.uow(), runtime.clock)


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(f"no vocabulary {kind}", kinds=list(KINDS))
    return kind


def terms(work: CoursesUnitOfWork, kind: str) -> list[dict[str, Any]]:
    with work:
        return [asdict(term) for term in work.vocabularies.terms(_kind(kind))]


def put_term(work: CoursesUnitOfWork, clock: Clock, kind: str, code: str,
             fields: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Adds or changes a term; a child kind names an existing parent."""
    _kind(kind)
    with work:
        vocabulary = work.vocabularies.vocabulary()
        parent = fields.get("parent_code")
        if kind in PARENT_KIND:
            if not parent or vocabulary.term(PARENT_KIND[kind], parent) is None:
                raise invalid({"parent_code": [f"a {kind} names its {PARENT_KIND[kind]}"]})
        elif parent:
            raise invalid({"parent_code": [f"a {kind} has no parent"]})
        known = vocabulary.term(kind, code)
        position = int(fields["position"]) if fields.get("position") is not None else (
            known.position if known else len(vocabulary.of_kind(kind)) + 1)
        term = Term(kind, code, fields["label"], parent, position,
                    fields.get("active", True), fields.get("short_label"),
                    fields.get("basis"), fields.get("added_on"))
        if kind == TAG and (not term.basis or term.added_on is None):
            raise Invalid("validation-failed", "The request is not valid",
                          "See `errors` for each field.",
                          errors={"basis": ["a policy tag states its legal basis and the "
                                            "date it was added (R-CRS-8)"]})
        now = clock.now()
        created = work.vocabularies.put(term, now)
        if kind == TAG:  # the statistics count courses per tag (R-CRS-8)
            catalogue.record_tag_changed(work, term, now)
        return asdict(term), created
