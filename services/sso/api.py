"""HTTP edge of the sso service."""
from servicekit.api import ServiceApi

api = ServiceApi("sso")
