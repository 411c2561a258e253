from servicekit.migrations import run
from services.accounts.adapters.orm import metadata

run(metadata)
