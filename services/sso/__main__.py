"""``python -m services.sso <command>``: the kit's commands (web, relay, consumer, migrate,
dead-letters, tidy-outbox) and the sso service's scheduled ones:

    tidy-records [--days N]   daily: tidy login/password-change records and expired state
    rotate-keys               e.g. weekly: promote the published next signing key
"""
import sys

from servicekit.cli import main
from services.sso.bootstrap import DEFINITION
from services.sso.commands import COMMANDS, run_command

if len(sys.argv) > 1 and sys.argv[1] in COMMANDS:
    sys.exit(run_command(DEFINITION, sys.argv[1:]))
sys.exit(main(DEFINITION))
