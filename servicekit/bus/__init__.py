"""The event bus: outbox (state and events commit together), relay (outbox → broker with
pipelined publisher confirms), consumer (broker → idempotent handler, inbox row in the
same transaction), dead letters. Topology names come from ``topology`` only."""
