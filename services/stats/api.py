"""HTTP edge of the stats service."""
from servicekit.api import ServiceApi

api = ServiceApi("stats")
