"""Rebuilding the read models from the facts log (issue 13, item 1): the figures and the
state behind them are emptied and every fact applied again, in the order it arrived, by
the same functions the consumer runs. One transaction: readers see the old figures until
the new ones are whole. A new figure is added the same way: declare it, then rebuild."""
from __future__ import annotations

from typing import Any

from servicekit.db import Database
from servicekit.events import Catalogue, Envelope
from services.stats.adapters.state import StatsState
from services.stats.handlers.intake import apply


def rebuild(database: Database, catalogue: Catalogue, chunk: int = 5000) -> dict[str, int]:
    replayed = 0
    with database.session() as session:
        state = StatsState(session)
        state.empty_read_models()
        seq = 0
        while facts := state.facts_after(seq, chunk):
            run: list[tuple[dict[str, Any], Envelope]] = []
            for fact in facts:
                envelope = Envelope(type=fact.event_type, source=fact.event_type.split(".")[0],
                                    data=fact.data, correlation_id="rebuild",
                                    id=fact.event_id, time=fact.occurred_at)
                if run and run[0][1].type != envelope.type:
                    apply(state, run)
                    run = []
                run.append((catalogue.load_data(envelope), envelope))
            if run:
                apply(state, run)
            replayed += len(facts)
            seq = facts[-1].seq
    return {"replayed": replayed}
