from servicekit.bus.tables import metadata
from servicekit.migrations import run

run(metadata)
