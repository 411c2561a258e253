import sys

from servicekit.cli import main
from services.accounts.bootstrap import DEFINITION

sys.exit(main(DEFINITION))
