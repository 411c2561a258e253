"""Infrastructure shared by every service and the gateway: settings, database,
event bus (outbox, relay, inbox consumer), tokens, errors, observability.

No domain code lives here; services share contracts (``contracts``), not code.
"""
