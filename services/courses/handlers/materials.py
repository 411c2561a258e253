"""Review of digital-material and distance courses (R-CRS-14), one unit of work per use
case: a teacher-education university submits a case (and resubmits it when sent back for
revision), an operator assigns its three reviewers, each assigned reviewer scores it, and
the third score decides the round (``courses.material.decided.v1`` in the same
transaction). Who sees what:

- the university (a business account of the case's unit): its own cases, each decided
  round's scores and comments by role (never who gave them);
- an assigned reviewer: the cases they review, their own score, and the others' only once
  the round is decided (independence);
- the network's operators and administrators: every case, every review as it stands;
- anyone: the published list of passed cases.

To anyone else a case does not exist (404 ``case-not-found``)."""
from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from contracts.calendar import taipei_date
from contracts.events.courses import MATERIAL_DECIDED
from servicekit.clock import Clock
from servicekit.errors import Conflict, Forbidden, NotFound
from services.courses.adapters.files import FileStore
from services.courses.adapters.materials_uow import MaterialsUnitOfWork
from services.courses.config import CoursesConfig
from services.courses.domain.attachments import (
    SIGNATURE_BYTES,
    Attachment,
    media_type_of,
    safe_filename,
)
from services.courses.domain.courses import invalid
from services.courses.domain.materials import (
    CASE_FIELDS,
    IN_REVIEW,
    REVIEWER_ROLES,
    ROLE_LABELS,
    STATUS_OF_RESULT,
    SUBMITTED,
    Assignment,
    Case,
    Round,
    case_not_found,
    check_fields,
    check_open,
    check_resubmittable,
    check_reviewers,
    check_score,
    check_submitter,
    check_uploadable,
    decide,
    mean_of,
)
from services.courses.handlers.attachments import read_limited

if TYPE_CHECKING:  # the token's reader pulls in the web stack; handlers need only its shape
    from servicekit.tokens import Principal

STAFF = ("operator", "admin")


# -- who the caller is to a case ---------------------------------------------------------

def _is_staff(principal: Principal | None) -> bool:
    return principal is not None and principal.has_any_role(*STAFF)


def _submits(principal: Principal | None, case: Case) -> bool:
    return (principal is not None and principal.has_any_role("business")
            and principal.unit is not None and principal.unit == case.unit_code)


def _reviews(principal: Principal | None, case: Case) -> bool:
    """An account with the reviewer role assigned to some round of the case."""
    return (principal is not None and principal.has_any_role("reviewer")
            and any(part.role_of(principal.subject) for part in case.rounds))


def _seen(work: MaterialsUnitOfWork, principal: Principal, case_id: str,
          *, for_update: bool = False) -> Case:
    case = work.materials.get(case_id, for_update=for_update)
    if case is None or not (_is_staff(principal) or _submits(principal, case)
                            or _reviews(principal, case)):
        raise case_not_found(case_id)
    return case


def _submitted_case(work: MaterialsUnitOfWork, principal: Principal, case_id: str,
                    *, for_update: bool = False) -> Case:
    """The case, for a business account of its unit; not found for anyone else."""
    case = work.materials.get(case_id, for_update=for_update)
    if case is None or not _submits(principal, case):
        raise case_not_found(case_id)
    return case


def _save(work: MaterialsUnitOfWork, case: Case, expected: int, *, new_round: bool = False
          ) -> None:
    case.version = expected + 1
    if not work.materials.save(case, expected, new_round=new_round):
        raise Conflict("case-changed", "The case changed meanwhile",
                       "someone else changed this case; read it again and retry")


def _acting_unit(principal: Principal) -> str:
    if not principal.has_any_role("business") or not principal.unit:
        raise Forbidden("a case is submitted by a business account of its university",
                        slug="no-unit")
    return principal.unit


# -- the university ----------------------------------------------------------------------

def submit(work: MaterialsUnitOfWork, clock: Clock, principal: Principal,
           values: dict[str, Any]) -> dict[str, Any]:
    unit_code = _acting_unit(principal)
    check_fields(values)
    now = clock.now()
    with work:
        check_submitter(work.units.unit(unit_code), unit_code)
        fields = {name: values[name] for name in CASE_FIELDS}
        case = Case(str(uuid.uuid4()), unit_code, SUBMITTED, 1, fields, principal.subject, now,
                    1, [Round(1, dict(fields), now)])
        work.materials.add(case)
        return view(case, principal, work.materials.attachments(case.case_id))


def resubmit(work: MaterialsUnitOfWork, clock: Clock, principal: Principal, case_id: str,
             changes: dict[str, Any]) -> dict[str, Any]:
    """A case sent back for revision, revised: a new round with the changed fields, reviewed
    by the last round's reviewers (an operator may reassign them before they score)."""
    check_fields(changes)
    now = clock.now()
    with work:
        case = _submitted_case(work, principal, case_id, for_update=True)
        check_resubmittable(case)
        expected = case.version
        fields = {**case.fields, **{k: v for k, v in changes.items() if k in CASE_FIELDS}}
        number = case.round + 1
        carried = {role: Assignment(role, a.reviewer_id, a.assigned_by, now)
                   for role, a in case.current.assignments.items()}
        case.rounds.append(Round(number, dict(fields), now, carried))
        case.round, case.fields = number, fields
        case.status = IN_REVIEW if len(carried) == len(REVIEWER_ROLES) else SUBMITTED
        _save(work, case, expected, new_round=True)
        return view(case, principal, work.materials.attachments(case.case_id))


# -- the network's operators ---------------------------------------------------------------

def assign(work: MaterialsUnitOfWork, clock: Clock, principal: Principal, case_id: str,
           chosen: dict[str, str]) -> dict[str, Any]:
    """The current round's three reviewers, one per role; an unchanged one keeps their
    assignment (and score), a reviewer who has scored cannot be replaced."""
    now = clock.now()
    with work:
        case = _seen(work, principal, case_id, for_update=True)
        check_open(case)
        current = case.current
        check_reviewers(chosen, current)
        expected = case.version
        for role in REVIEWER_ROLES:
            held = current.assignments.get(role)
            if held is None or held.reviewer_id != chosen[role]:
                current.assignments[role] = Assignment(role, chosen[role], principal.subject,
                                                       now)
        case.status = IN_REVIEW
        _save(work, case, expected)
        return view(case, principal, work.materials.attachments(case.case_id))


# -- the reviewers -----------------------------------------------------------------------

def score(work: MaterialsUnitOfWork, clock: Clock, principal: Principal, case_id: str,
          value: int, comment: str) -> dict[str, Any]:
    """The caller's score and comment on the current round (changeable until the round is
    decided); the third score decides it."""
    check_score(value)
    now = clock.now()
    with work:
        case = _seen(work, principal, case_id, for_update=True)
        current = case.current
        role = current.role_of(principal.subject)
        if role is None or not principal.has_any_role("reviewer"):
            raise Forbidden("only the reviewers assigned to the case's current round score it",
                            slug="not-assigned-reviewer", title="Not a reviewer of this round",
                            round=case.round)
        check_open(case)
        expected = case.version
        assignment = current.assignments[role]
        assignment.score, assignment.comment, assignment.scored_at = value, comment, now
        if current.complete:
            _decide(work, case, now)
        _save(work, case, expected)
        return view(case, principal, work.materials.attachments(case.case_id))


def _decide(work: MaterialsUnitOfWork, case: Case, now: datetime) -> None:
    current = case.current
    scores = {role: current.assignments[role].score for role in REVIEWER_ROLES}
    values = [int(s) for s in scores.values() if s is not None]
    result = decide(values)
    current.result, current.mean = result, mean_of(values)
    current.decided_at, current.decided_on = now, taipei_date(now)
    case.status = STATUS_OF_RESULT[result]
    work.record(MATERIAL_DECIDED, {
        "case_id": case.case_id, "unit_code": case.unit_code, "kind": case.fields["kind"],
        "title": case.fields["title"], "hours": float(case.fields["hours"]),
        "round": current.number, "result": result, "scores": scores,
        "mean": float(current.mean), "decided_on": current.decided_on.isoformat(),
        "decided_at": now.isoformat()})


# -- reading -------------------------------------------------------------------------------

def get(work: MaterialsUnitOfWork, principal: Principal, case_id: str) -> dict[str, Any]:
    with work:
        case = _seen(work, principal, case_id)
        return view(case, principal, work.materials.attachments(case.case_id))


def list_cases(work: MaterialsUnitOfWork, principal: Principal, status: str | None,
               page: int, per_page: int) -> dict[str, Any]:
    """A university its own cases, a reviewer those of which they review the current round,
    operators every one."""
    unit = reviewer = None
    if not _is_staff(principal):
        if principal.has_any_role("business"):
            if not principal.unit:  # a business token names its unit; without one, none
                return {"items": [], "total": 0, "page": page, "per_page": per_page}
            unit = principal.unit
        else:
            reviewer = principal.subject
    with work:
        items, total = work.materials.summaries(unit=unit, reviewer=reviewer, status=status,
                                                page=page, per_page=per_page)
    return {"items": [_summary(item) for item in items], "total": total, "page": page,
            "per_page": per_page}


def passed(work: MaterialsUnitOfWork, kind: str | None, page: int, per_page: int
           ) -> dict[str, Any]:
    """The published list (R-CRS-14: results published): every passed case."""
    with work:
        items, total = work.materials.passed(kind, page, per_page)
    return {"items": [_published(item) for item in items], "total": total, "page": page,
            "per_page": per_page}


def _summary(item: dict[str, Any]) -> dict[str, Any]:
    return {"id": item["case_id"], "unit_code": item["unit_code"],
            "unit_name": item["unit_name"], "status": item["status"], "round": item["round"],
            "title": item["title"], "kind": item["kind"], "hours": item["hours"],
            "subject_area": item["subject_area"], "submitted_at": item["submitted_at"],
            "decided_on": item["decided_on"]}


def _published(item: dict[str, Any]) -> dict[str, Any]:
    return {"id": item["case_id"], "unit_code": item["unit_code"],
            "unit_name": item["unit_name"], "title": item["title"], "kind": item["kind"],
            "hours": item["hours"], "subject_area": item["subject_area"],
            "round": item["round"], "decided_on": item["decided_on"]}


def view(case: Case, principal: Principal | None,
         attachments: list[Attachment]) -> dict[str, Any]:
    staff = _is_staff(principal)
    return {"id": case.case_id, "unit_code": case.unit_code, "status": case.status,
            "round": case.round, **case.fields, "submitted_at": case.submitted_at,
            "attachments": [{"id": a.attachment_id, "filename": a.filename,
                             "media_type": a.media_type, "size": a.size, "sha256": a.sha256,
                             "uploaded_at": a.uploaded_at} for a in attachments],
            "rounds": [_round_view(part, principal, staff) for part in case.rounds]}


def _round_view(part: Round, principal: Principal | None, staff: bool) -> dict[str, Any]:
    """A round's reviews as the caller may see them: staff every one with its reviewer; a
    reviewer of the round their own, and the others' once decided; the university the
    decided round's scores and comments by role, never who gave them."""
    own = principal.subject if principal is not None and not staff else None
    decided = part.result is not None
    reviews: list[dict[str, Any]] = []
    for role in REVIEWER_ROLES:
        a = part.assignments.get(role)
        if a is None:
            if staff:
                reviews.append({"role": role, "role_label": ROLE_LABELS[role],
                                "reviewer_id": None, "score": None, "comment": None,
                                "scored_at": None})
            continue
        mine = own is not None and a.reviewer_id == own
        if staff or mine or decided:
            reviews.append({"role": role, "role_label": ROLE_LABELS[role],
                            "reviewer_id": a.reviewer_id if staff or mine else None,
                            "score": a.score, "comment": a.comment, "scored_at": a.scored_at})
    return {"round": part.number, "submitted_at": part.submitted_at,
            "title": part.fields["title"], "result": part.result,
            "mean": part.mean if decided else None, "decided_on": part.decided_on,
            "assigned": sorted(part.assignments, key=REVIEWER_ROLES.index),
            "scored": sorted((r for r, a in part.assignments.items() if a.score is not None),
                             key=REVIEWER_ROLES.index),
            "reviews": reviews}


# -- files ---------------------------------------------------------------------------------

def upload(work: MaterialsUnitOfWork, clock: Clock, files: FileStore, config: CoursesConfig,
           principal: Principal, case_id: str, filename: str,
           stream: IO[bytes] | None) -> dict[str, Any]:
    """A file of the case (the plan, a syllabus), by its university while the case is
    open or sent back for revision; kept with the same checks as a course's attachments."""
    stored: str | None = None
    try:
        with work:
            case = _submitted_case(work, principal, case_id)
            check_uploadable(case)
            if stream is None:
                raise invalid({"file": ["a file is required"]})
            content = read_limited(stream, config.attachment_max_bytes)
            name = safe_filename(filename)
            media_type = media_type_of(name, content[:SIGNATURE_BYTES], config.attachment_types)
            attachment_id = str(uuid.uuid4())
            attachment = Attachment(attachment_id, case.case_id, "other", name, media_type,
                                    len(content), hashlib.sha256(content).hexdigest(),
                                    f"materials/{case.case_id}/{attachment_id}",
                                    principal.subject, clock.now())
            work.materials.add_attachment(attachment)
            stored = attachment.storage_key
            files.put(stored, content)
    except BaseException:
        if stored is not None:
            files.delete(stored)
        raise
    return {"id": attachment.attachment_id, "filename": attachment.filename,
            "media_type": attachment.media_type, "size": attachment.size,
            "sha256": attachment.sha256, "uploaded_at": attachment.uploaded_at}


def download(work: MaterialsUnitOfWork, files: FileStore, principal: Principal,
             case_id: str, attachment_id: str) -> tuple[Attachment, bytes]:
    with work:
        _seen(work, principal, case_id)
        attachment = work.materials.attachment(case_id, attachment_id)
        if attachment is None:
            raise NotFound(f"no attachment {attachment_id}")
    return attachment, files.get(attachment.storage_key)

