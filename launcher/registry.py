"""The platform's parts, in the order they start (accounts first: others replicate it)."""
from servicekit.service import ServiceDefinition
from services.accounts.bootstrap import DEFINITION as ACCOUNTS
from services.courses.bootstrap import DEFINITION as COURSES
from services.sso.bootstrap import DEFINITION as SSO
from services.stats.bootstrap import DEFINITION as STATS
from services.transfer.bootstrap import DEFINITION as TRANSFER

DEFINITIONS: tuple[ServiceDefinition, ...] = (ACCOUNTS, SSO, COURSES, TRANSFER, STATS)
