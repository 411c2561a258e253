"""The event catalogue: every event type on the bus and the schema of its data, one module
per producer, named after it (a producer's module is changed with that producer).

Rules (docs/architecture.md): a type is ``<producer>.<aggregate>.<what happened>.v<N>``,
written once, as a constant of its producer's module named ``<AGGREGATE>_<WHAT_HAPPENED>``
(with ``_V<N>`` from the second version on); producers record and subscriptions bind by
that constant. A published version never changes shape — a new shape is a new version;
data never carries a national ID or any other secret; ``version`` is the aggregate's
version, so a consumer that receives two changes out of order keeps the newer one.
"""
from contracts.events import accounts, courses, sso, transfer
from servicekit.events import Catalogue

PRODUCERS = {"accounts": accounts.SCHEMAS, "courses": courses.SCHEMAS, "sso": sso.SCHEMAS,
             "transfer": transfer.SCHEMAS}
SCHEMAS = {event_type: schema for schemas in PRODUCERS.values()
           for event_type, schema in schemas.items()}
CATALOGUE = Catalogue(PRODUCERS)
