"""HTTP edge of the accounts service: schemas in, use cases, schemas out. Each module
declares its routes on the one ``api``; importing them here is what registers them."""
from services.accounts.api import accounts, campaigns, organisations, teachers  # noqa: F401
from services.accounts.api.base import api

__all__ = ["api"]
