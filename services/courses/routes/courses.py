"""Routes of a course's registration and review (R-CRS-1…3, R-CRS-10); the list of
courses is the catalogue's search (routes/catalogue.py)."""
from __future__ import annotations

from typing import Any

from servicekit.api import PUBLIC, roles
from servicekit.tokens import Principal
from services.courses.api import api
from services.courses.handlers import lifecycle
from services.courses.routes import schemas as s
from services.courses.routes.base import components, path_code, path_id, runtime

BUSINESS = roles("business")
REVIEWER = roles("reviewer")


@api.route("/", "POST", allow=BUSINESS, body=s.CourseFieldsSchema, response=s.CourseSchema,
           status=201, summary="Register a course (a draft) of the caller's own unit (R-CRS-1)")
def register_course(principal: Principal, body: dict[str, Any]) -> Any:
    return lifecycle.register(components().uow(), runtime().clock, principal, body)


@api.route("/series", "POST", allow=BUSINESS, body=s.SeriesCreateSchema,
           response=s.SeriesSchema, status=201,
           summary="Create a course series of the caller's unit (its sessions are courses)")
def create_series(principal: Principal, body: dict[str, Any]) -> Any:
    return lifecycle.create_series(components().uow(), runtime().clock, principal,
                                   body["title"], body["one_session_per_teacher"])


@api.route("/review-queue", "GET", allow=REVIEWER, query=s.QueueQuerySchema,
           response=s.CoursePageSchema,
           summary="The caller's authority's courses to review, filtered and sorted (R-CRS-3)")
def review_queue(principal: Principal, query: dict[str, Any]) -> Any:
    return lifecycle.review_queue(components().uow(), principal, query)


@api.route("/units/<code>/courses", "GET", allow=roles("business", "operator", "admin"),
           query=s.UnitCoursesQuerySchema, response=s.CoursePageSchema,
           summary="A unit's own courses in every state, drafts too (its business accounts; "
                   "operators): filtered by state and first day, sorted")
def unit_courses(principal: Principal, code: str, query: dict[str, Any]) -> Any:
    return lifecycle.unit_courses(components().uow(), principal, path_code(code), query)


@api.route("/units/<code>/series", "GET", allow=roles("business", "reviewer", "operator",
                                                       "admin"),
           response=s.UnitSeriesSchema, many=True,
           summary="A unit's course series by title, each with its number of sessions: a "
                   "course joins one (its business accounts, its authority's reviewers, "
                   "operators)")
def unit_series(principal: Principal, code: str) -> Any:
    return lifecycle.unit_series(components().uow(), principal, path_code(code))


@api.route("/<course_id>", "GET", allow=PUBLIC, response=s.CourseSchema,
           summary="A course: anyone once approved; before, its unit and its reviewers")
def get_course(principal: Principal | None, course_id: str) -> Any:
    return lifecycle.get_course(components().uow(), principal, path_id(course_id, "course"))


@api.route("/<course_id>", "PATCH", allow=BUSINESS, body=s.CourseChangeSchema,
           response=s.CourseSchema, summary="Edit a draft or returned course of the caller's unit")
def edit_course(principal: Principal, course_id: str, body: dict[str, Any]) -> Any:
    return lifecycle.edit(components().uow(), runtime().clock, principal,
                          path_id(course_id, "course"), body)


@api.route("/<course_id>/submission", "POST", allow=BUSINESS, response=s.SubmittedCourseSchema,
           summary="Submit a course for review, at least 7 days ahead (R-CRS-2)")
def submit_course(principal: Principal, course_id: str) -> Any:
    return lifecycle.submit(components().uow(), runtime().clock, principal,
                            path_id(course_id, "course"),
                            components().config.submit_days_ahead)


@api.route("/<course_id>/review", "POST", allow=REVIEWER, body=s.ReviewBodySchema,
           response=s.CourseSchema,
           summary="Approve a submitted course, or return it with reasons (R-CRS-3)")
def review_course(principal: Principal, course_id: str, body: dict[str, Any]) -> Any:
    return lifecycle.review(components().uow(), runtime().clock, principal,
                            path_id(course_id, "course"), body["decision"], body["reasons"],
                            body["comment"])
