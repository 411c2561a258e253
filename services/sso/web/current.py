from servicekit.web import current_runtime
from services.sso.dependencies import SsoDependencies


def current_dependencies() -> SsoDependencies:
    components: SsoDependencies = current_runtime().components
    return components
