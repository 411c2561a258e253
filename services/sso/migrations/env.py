from servicekit.migrations import run
from services.sso.adapters.orm import metadata

run(metadata)
