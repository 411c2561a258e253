"""Alembic, driven from code: each service keeps its own ``migrations/`` folder (its own
history, its own database), and every ``env.py`` is the two lines that call ``run``."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData

from servicekit.db import Database


def alembic_config(migrations_dir: Path, database: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["database"] = database
    return config


def upgrade(migrations_dir: Path, database: Database, revision: str = "head") -> None:
    command.upgrade(alembic_config(migrations_dir, database), revision)


def run(target_metadata: MetaData) -> None:
    """The body of every service's ``env.py`` (online mode only: migrations are a release
    step run against the real database)."""
    from alembic import context

    database: Database = context.config.attributes["database"]
    with database.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite",
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
