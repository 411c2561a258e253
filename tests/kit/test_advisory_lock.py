"""One run at a time (two imports, two first-operator runs): ``advisory_xact_lock`` holds
PostgreSQL's advisory lock of a name until the transaction ends, and is nothing on SQLite,
where one writer at a time is the rule already."""
from __future__ import annotations

import threading

from sqlalchemy import event

from servicekit.db import advisory_xact_lock


def test_the_second_holder_waits_for_the_first_transaction_to_end(empty_database) -> None:
    if not empty_database.is_postgres:
        statements: list[str] = []
        event.listen(empty_database.engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
        with empty_database.session() as session:
            advisory_xact_lock(session, "kit.test")
        assert statements == []  # nothing to take
        return
    held = threading.Event()
    order: list[str] = []

    def second() -> None:
        held.wait(10)
        with empty_database.session() as session:
            advisory_xact_lock(session, "kit.test")
            order.append("second has it")

    thread = threading.Thread(target=second)
    thread.start()
    with empty_database.session() as session:
        advisory_xact_lock(session, "kit.test")
        with empty_database.session() as other:
            advisory_xact_lock(other, "kit.other")  # another name is another lock
        held.set()
        thread.join(0.5)
        assert thread.is_alive() and order == []  # waits while the first transaction runs
        order.append("first done")
    thread.join(10)
    assert order == ["first done", "second has it"]
