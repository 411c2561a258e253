from servicekit.web import service_app_factory
from services.stats.api import api
from services.stats.bootstrap import DEFINITION

create_app = service_app_factory(DEFINITION, api, "Statistics")
