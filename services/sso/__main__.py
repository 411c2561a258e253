import sys

from servicekit.cli import main
from services.sso.bootstrap import DEFINITION

sys.exit(main(DEFINITION))
