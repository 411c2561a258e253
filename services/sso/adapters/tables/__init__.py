"""The sso database, one module per aggregate. ``migrations/versions/0002_sign_on.py`` and
the migrations after it create exactly these tables.

Secrets are never stored as given: passwords as argon2 hashes, codes, refresh tokens,
session cookies and client secrets as SHA-256 digests (they are long random values),
signing keys and county credentials sealed with the key-encryption key.

Import a table from its module (``from services.sso.adapters.tables.grants import
grants``); this package holds only the one ``metadata`` they share.
"""
from servicekit.db import new_metadata

metadata = new_metadata()

# Every table module registers its tables on ``metadata`` when imported: the migrations
# and the schema tests read the whole of it.
from services.sso.adapters.tables import (  # noqa: E402,F401
    accounts,
    clients,
    county,
    credentials,
    grants,
    keys,
    machine_clients,
    notices,
    sessions,
    sign_ins,
)

__all__ = ["metadata"]
