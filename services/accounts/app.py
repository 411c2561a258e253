from servicekit.web import service_app_factory
from services.accounts.bootstrap import DEFINITION

create_app = service_app_factory(DEFINITION)
