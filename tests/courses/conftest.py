"""Fixtures of the courses tests."""
from closing_support import api  # noqa: F401  (closing: the service over HTTP, a fixed clock)
