"""Why a fact cannot be applied (the consumer retries it, then parks it with this reason)."""


class CannotApply(Exception):
    """A fact names what stats does not know yet (a course, a unit): it waits in the
    dead-letter queue for the producer's re-announce, then is replayed."""
