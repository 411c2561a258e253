from servicekit.migrations import run
from services.transfer.adapters.tables import metadata

run(metadata)
