"""Shared code lists (R-ORG-2). Values are stable identifiers; labels live with the
services that show them."""

UNIT_TYPES = (
    "kindergarten", "elementary_school", "junior_high_school", "senior_high_school",
    "vocational_high_school", "special_education_school", "complete_high_school",
    "teacher_education_university", "university", "county_teacher_study_centre",
    "legal_entity", "overseas_school", "subject_centre", "government_agency", "civic_group",
)

ROLES = ("teacher", "business", "reviewer", "operator", "viewer", "admin")
