"""The shared command line: numeric options are whole numbers of at least one (R-OPS-1).

``tidy-outbox --days -1`` used to delete every sent row (the cutoff fell in the future);
a failure here names the command and the value that was let through.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from servicekit.bus.tables import outbox
from servicekit.cli import main
from services.accounts.bootstrap import DEFINITION as ACCOUNTS
from services.courses.bootstrap import DEFINITION as COURSES
from services.sso.bootstrap import DEFINITION as SSO

REFUSED_DAYS = [("-1", "is not a positive number"), ("0", "is not a positive number"),
                ("-30", "is not a positive number"), ("1.5", "is not a whole number"),
                ("a week", "is not a whole number")]


def outbox_rows(runtime) -> int:
    with runtime.database.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(outbox)).scalar_one()


def test_tidy_outbox_refuses_zero_and_negative_days_and_deletes_nothing(embedded, tmp_path,
                                                                       monkeypatch, capsys):
    courses = embedded(COURSES)
    monkeypatch.setenv("COURSES_DATA_DIR", str(tmp_path))  # what main() reads: the same files
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    with courses.database.engine.begin() as connection:
        connection.execute(insert(outbox), [
            {"event_id": f"e-{index}", "event_type": "courses.test.v1", "correlation_id": "c",
             "body": "{}", "recorded_at": an_hour_ago, "sent_at": sent}
            for index, sent in enumerate((an_hour_ago, None))])
    before = outbox_rows(courses)

    for days, reason in REFUSED_DAYS:
        with pytest.raises(SystemExit) as exit_:
            main(COURSES, ["tidy-outbox", "--days", days])
        assert exit_.value.code == 2, f"--days {days} was accepted"
        error = capsys.readouterr().err
        assert "argument --days" in error and reason in error, error
        assert outbox_rows(courses) == before, f"--days {days} deleted rows"

    assert main(COURSES, ["tidy-outbox", "--days", "1"]) == 0
    assert capsys.readouterr().out.strip() == '{"deleted": 0}'  # sent an hour ago: kept
    assert outbox_rows(courses) == before


NUMERIC_OPTIONS = [
    *((definition, "tidy-outbox", "--days") for definition in (COURSES, ACCOUNTS, SSO)),
    (ACCOUNTS, "tidy-import-reports", "--days"),
    (ACCOUNTS, "reencrypt-national-ids", "--batch"),
    (ACCOUNTS, "rehash-national-ids", "--batch"),
    (SSO, "tidy-records", "--days"),
    (SSO, "reseal-secrets", "--batch"),
]


@pytest.mark.parametrize("definition, command, option", NUMERIC_OPTIONS,
                         ids=[f"{d.name}-{c}{o}" for d, c, o in NUMERIC_OPTIONS])
@pytest.mark.parametrize("value", ["0", "-1"])
def test_every_numeric_option_is_refused_below_one(definition, command, option, value, capsys):
    """Refused by the parser, before any setting is read or any row is touched."""
    with pytest.raises(SystemExit) as exit_:
        main(definition, [command, option, value])
    assert exit_.value.code == 2, f"{definition.name} {command} {option} {value} was accepted"
    error = capsys.readouterr().err
    assert f"argument {option}: {value} is not a positive number" in error, error


def test_a_command_refusing_with_an_application_error_exits_1_with_its_problem(tmp_path, monkeypatch,
                                                                              capsys):
    """A use case raises the kit's application errors, not HTTP problems: a command prints
    the same problem+json the HTTP edge would answer, and exits 1."""
    import json
    from pathlib import Path

    from servicekit.errors import Conflict
    from servicekit.events import Catalogue
    from servicekit.service import Command, ServiceDefinition

    def refuse(runtime, args):
        raise Conflict("password-already-set", "The account has a password already", "ops.chen")

    demo = ServiceDefinition(name="demo", app_spec="demo:app", migrations_dir=Path(tmp_path),
                             catalogue=Catalogue({}), commands=(Command("refuse", "no", refuse),))
    monkeypatch.setenv("DEMO_DATA_DIR", str(tmp_path))
    assert main(demo, ["refuse"]) == 1
    first, *_, last = capsys.readouterr().err.splitlines()
    assert first == "refuse: The account has a password already: ops.chen"
    assert json.loads(last) == {"type": "urn:inservice:problem:password-already-set",
                                "title": "The account has a password already", "status": 409,
                                "detail": "ops.chen"}
