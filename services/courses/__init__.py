"""Courses: publishing, review, enrolment, closing and hours (R-CRS-*). Keeps a replica of
the units it needs from the accounts service's events."""
