"""``make up``: the whole platform on one machine.

Embedded default (no servers installed): one process, each service with its own SQLite
file under ``DATA_DIR`` (default ``var/``), the bus through kombu's in-process transport,
every service's web app, relay and consumers on threads, the gateway in front.

Real servers (``BROKER_URL=amqp://…`` and ``DATABASE_URL=postgresql://…/platform_{service}``):
each service as its own processes — gunicorn web, relay, consumer — exactly as in
production, supervised from here until Ctrl-C."""
