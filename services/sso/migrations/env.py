from servicekit.migrations import run
from services.sso.adapters.tables import metadata

run(metadata)
