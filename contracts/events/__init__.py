"""The event catalogue: every event type on the bus and the schema of its data, one module
per producer (a producer's module is changed with that producer).

Rules (docs/architecture.md): a type is ``<producer>.<aggregate>.<what happened>.v<N>``;
a published version never changes shape — a new shape is a new version; data never
carries a national ID or any other secret; ``version`` is the aggregate's version, so a
consumer that receives two changes out of order keeps the newer one.
"""
from contracts.events import accounts, sso
from servicekit.events import Catalogue

SCHEMAS = {**accounts.SCHEMAS, **sso.SCHEMAS}
CATALOGUE = Catalogue(SCHEMAS)
