"""Field rules every producer's schemas share."""
from typing import Any

from marshmallow import validate

from contracts.vocabulary import AUTHORITY_CODES, COUNTIES

CODE = validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$")
AUTHORITY = validate.OneOf(AUTHORITY_CODES)
COUNTY = validate.OneOf(tuple(COUNTIES))
VERSION: dict[str, Any] = {"required": True, "validate": validate.Range(min=1)}
