"""The migrations make exactly the tables the code uses, and undo them."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from servicekit.db import Database
from servicekit.migrations import alembic_config, upgrade
from services.sso.adapters.orm import metadata
from services.sso.bootstrap import DEFINITION

MESSAGING = {"outbox", "inbox"}  # the kit's tables, made by the first migration


def differences(database: Database) -> list:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        found = compare_metadata(context, metadata)
    return [d for d in found if not (d[0] in ("remove_table", "remove_index") and
                                     getattr(d[1], "name", None) in MESSAGING |
                                     {"ix_outbox_unsent"})]


def test_the_migrated_database_is_the_model_and_downgrades_cleanly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    database = Database(f"sqlite:///{tmp_path / 'sso.sqlite3'}")
    upgrade(DEFINITION.migrations_dir, database)
    assert differences(database) == []
    command.downgrade(alembic_config(DEFINITION.migrations_dir, database), "base")
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    database.dispose()
