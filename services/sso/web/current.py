from servicekit.web import current_runtime
from services.sso.context import Sso, sso_of


def current_sso() -> Sso:
    return sso_of(current_runtime())
