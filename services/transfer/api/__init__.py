"""HTTP edge of the transfer service: ``ServiceApi`` routes that call the handlers."""
# The route modules declare their endpoints on ``api`` when imported.
from services.transfer.api import exports, files, format_v1, push, rules, sources  # noqa: F401
from services.transfer.api.base import api

__all__ = ["api"]
