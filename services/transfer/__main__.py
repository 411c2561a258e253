import sys

from servicekit.cli import main
from services.transfer.bootstrap import DEFINITION

sys.exit(main(DEFINITION))
