"""Every service's migrations make exactly the tables its code declares (its ``orm``
metadata and the kit's outbox and inbox), on SQLite (the embedded default) and on
PostgreSQL (production), and undo themselves down to nothing and up again."""
from __future__ import annotations

import importlib
from types import ModuleType

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect

from launcher.registry import DEFINITIONS
from servicekit.bus.tables import metadata as messaging
from servicekit.db import Database
from servicekit.migrations import alembic_config, upgrade
from servicekit.service import ServiceDefinition

# Every service migrated on SQLite and on PostgreSQL.
pytestmark = pytest.mark.integration

SERVICES = {definition.name: definition for definition in DEFINITIONS}


def _schema_of(name: str) -> ModuleType:
    """Where a service declares its tables: one ``orm`` module, or a ``tables`` package of
    modules by aggregate sharing one metadata."""
    try:
        return importlib.import_module(f"services.{name}.adapters.tables")
    except ModuleNotFoundError:
        return importlib.import_module(f"services.{name}.adapters.orm")


def declared(name: str) -> MetaData:
    merged = MetaData()
    try:
        tables = list(_schema_of(name).metadata.tables.values())
    except ModuleNotFoundError:
        tables = []  # a service with the kit's tables only
    for table in (*tables, *messaging.tables.values()):
        table.to_metadata(merged)
    return merged


def differences(database: Database, name: str) -> list:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, declared(name))


def round_trip(definition: ServiceDefinition, database: Database) -> None:
    upgrade(definition.migrations_dir, database)
    assert differences(database, definition.name) == []
    command.downgrade(alembic_config(definition.migrations_dir, database), "base")
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    upgrade(definition.migrations_dir, database)
    assert differences(database, definition.name) == []


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_migrations_on_sqlite(name, tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / f'{name}.sqlite3'}")
    try:
        round_trip(SERVICES[name], database)
    finally:
        database.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("name", sorted(SERVICES))
def test_migrations_on_postgresql(name, make_database) -> None:
    database = Database(make_database(name))
    try:
        round_trip(SERVICES[name], database)
    finally:
        database.dispose()
