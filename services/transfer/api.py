"""HTTP edge of the transfer service."""
from servicekit.api import ServiceApi

api = ServiceApi("transfer")
