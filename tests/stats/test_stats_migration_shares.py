"""Migration 0005 (R-STA-4): the shares of units that never changed authority go, since
the reports read those units' own figures instead; the shares of a unit with a
jurisdiction history stay; downgrading writes the others back from the units' figures."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from servicekit.db import Database
from servicekit.migrations import alembic_config, upgrade
from services.stats.bootstrap import DEFINITION

pytestmark = pytest.mark.integration

# Before 0005 every unit had its shares: 193301 (K12EA, then TXG from 2017) and 353301 (TPE).
FIGURES = [
    ("unit", "193301", "2016-12-01", 2), ("unit", "193301", "2017-02-01", 3),
    ("authority_unit", "K12EA|193301", "2016-12-01", 2),
    ("authority_unit", "TXG|193301", "2017-02-01", 3),
    ("unit", "353301", "2016-12-01", 5), ("authority_unit", "TPE|353301", "2016-12-01", 5),
]


def shares(database: Database) -> set[tuple[str, str, int]]:
    with database.engine.connect() as connection:
        return {(member, str(day), int(value)) for member, day, value in connection.execute(text(
            "SELECT member, starts_on, value FROM figures WHERE dimension = 'authority_unit'"))}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    url = (request.getfixturevalue("make_database")("stats") if request.param == "postgresql"
           else f"sqlite:///{tmp_path / 'stats.sqlite3'}")
    database = Database(url)
    yield database
    database.dispose()


def test_only_the_shares_of_units_that_changed_authority_stay(database: Database) -> None:
    upgrade(DEFINITION.migrations_dir, database, "0004")
    with database.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO units (unit_code, name, unit_type, authority_code, county_code, version)"
            " VALUES ('193301', 'a', 'senior_high_school', 'TXG', 'TXG', 1),"
            " ('353301', 'b', 'senior_high_school', 'TPE', 'TPE', 1)"))
        connection.execute(text(
            "INSERT INTO jurisdiction_changes (unit_code, effective_from, from_authority,"
            " to_authority) VALUES ('193301', '2017-01-01', 'K12EA', 'TXG')"))
        for dimension, member, day, value in FIGURES:
            connection.execute(text(
                "INSERT INTO figures (measure, dimension, period, starts_on, member, value)"
                " VALUES ('enrolments', :dimension, 'month', :day, :member, :value)"),
                {"dimension": dimension, "member": member, "day": day, "value": value})
    upgrade(DEFINITION.migrations_dir, database)
    assert shares(database) == {("K12EA|193301", "2016-12-01", 2),
                                ("TXG|193301", "2017-02-01", 3)}
    command.downgrade(alembic_config(DEFINITION.migrations_dir, database), "0004")
    assert shares(database) == {("K12EA|193301", "2016-12-01", 2),
                                ("TXG|193301", "2017-02-01", 3),
                                ("TPE|353301", "2016-12-01", 5)}
