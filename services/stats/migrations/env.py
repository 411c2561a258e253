from servicekit.migrations import run
from services.stats.adapters.orm import metadata

run(metadata)
