from servicekit.migrations import run
from services.courses.adapters.orm import metadata

run(metadata)
