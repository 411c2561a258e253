import sys

from servicekit.cli import main
from services.courses.bootstrap import DEFINITION

sys.exit(main(DEFINITION))
