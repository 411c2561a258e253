"""Column types the sso tables share."""
from sqlalchemy import String

ID = String(36)
DIGEST = String(64)  # SHA-256, hex
