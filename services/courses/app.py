from servicekit.web import service_app_factory
from services.courses import enrolment_api  # noqa: F401 -- its routes join the api
from services.courses.api import api
from services.courses.bootstrap import DEFINITION

create_app = service_app_factory(DEFINITION, api, "Courses")
