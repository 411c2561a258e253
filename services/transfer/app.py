from servicekit.web import service_app_factory
from services.transfer.bootstrap import DEFINITION

create_app = service_app_factory(DEFINITION)
