"""A service process that kills itself at one chosen point, by its own pid (SIGKILL: no
clean-up runs), to prove that the bus loses and doubles nothing there.

    python tests/bus/crash.py relay-after-publish accounts relay
    python tests/bus/crash.py consumer-before-ack courses consumer
"""
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from servicekit.bus.readers import PikaQueueReader
from servicekit.bus.relay import Relay
from servicekit.cli import main


def die(*_args, **_kwargs):  # type: ignore[no-untyped-def]
    os.kill(os.getpid(), signal.SIGKILL)


point, service, command = sys.argv[1:4]
if point == "relay-after-publish":
    Relay._mark_sent = die  # published and confirmed, not yet marked sent
elif point == "consumer-before-ack":
    PikaQueueReader.settle = die  # committed with its inbox rows, not yet acked
else:
    raise SystemExit(f"unknown crash point {point}")
definition = __import__(f"services.{service}.bootstrap", fromlist=["DEFINITION"]).DEFINITION
sys.exit(main(definition, [command]))
