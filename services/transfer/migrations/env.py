from servicekit.migrations import run
from services.transfer.adapters.orm import metadata

run(metadata)
