import sys

from servicekit.cli import main
from services.stats.bootstrap import DEFINITION

sys.exit(main(DEFINITION))
