"""Issue 12 item 5 across services, over real HTTP: a source's token from sso (client
credentials) opens transfer's push; transfer resolves the attendance's teachers through
the accounts service with its own service token from sso (service client
``service-transfer``, scope ``accounts.teachers.lookup``), which accounts verifies against
sso's published keys. Transfer keeps account ids, never a national ID."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import requests
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from servicekit.clock import FixedClock
from servicekit.settings import Settings
from servicekit.testing.runtimes import migrated, purge_queues
from servicekit.tokens import Principal
from services.accounts.app import create_app as accounts_app
from services.accounts.domain.national_id import with_check_digit
from services.accounts.handlers.teacher_import import import_rows
from services.accounts.handlers.units import register_unit
from services.sso.app import create_app as sso_app
from services.transfer.adapters.tables import attendance
from services.transfer.app import create_app as transfer_app
from services.transfer.handlers import sources

SECRET = "transfer-service-client-secret-" + "x" * 16
FAST_ARGON2 = {"SSO_ARGON2_TIME_COST": "1", "SSO_ARGON2_MEMORY_KIB": "1024",
               "SSO_ARGON2_PARALLELISM": "1"}
OPERATOR = Principal(subject="operator-1", roles=frozenset({"operator"}))
TEACHER = with_check_digit("A12345678")
STRANGER = with_check_digit("B22345678")


class Live:
    """A Flask app on a loopback port, its port known before the app is made."""

    def __init__(self) -> None:
        self.app: Flask | None = None
        self._server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05})
        self._thread.start()

    def _dispatch(self, environ, start_response):
        assert self.app is not None
        return self.app(environ, start_response)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def platform(tmp_path) -> Iterator[Callable[[str], Flask]]:
    sso, accounts = Live(), Live()
    common = {"TOKEN_ISSUER": sso.url, "JWKS_URL": sso.url + "/jwks.json",
              "SSO_URL": sso.url, "ACCOUNTS_URL": accounts.url, "LOG_LEVEL": "WARNING",
              "TRANSFER_SERVICE_CLIENT_SECRET": SECRET, **FAST_ARGON2}
    apps: dict[str, Flask] = {}
    for name, make, live in (("sso", sso_app, sso), ("accounts", accounts_app, accounts),
                             ("transfer", transfer_app, None)):
        app = make(Settings.from_env(name, {**common, "DATA_DIR": str(tmp_path / name)}))
        purge_queues(migrated(app.extensions["runtime"]))
        apps[name] = app
        if live is not None:
            live.app = app
    yield apps.__getitem__
    sso.stop()
    accounts.stop()
    for app in apps.values():
        purge_queues(app.extensions["runtime"])
        app.extensions["runtime"].database.dispose()


def test_a_push_resolves_teachers_through_accounts_with_the_service_token(platform) -> None:
    sso = platform("sso").extensions["runtime"].components
    accounts = platform("accounts").extensions["runtime"]
    transfer = platform("transfer").extensions["runtime"]
    # Set-up: the service client, a teacher in accounts, a source in production.
    sso.machine_clients.ensure_service_client("transfer", SECRET, "set-up")
    register_unit(accounts.components.unit_of_work(), accounts.clock, "353301",
                  "臺北市立建國高級中學", "senior_high_school", "TPE")
    [row] = import_rows(accounts.components.unit_of_work(), accounts.clock,
                        accounts.components.vault, OPERATOR,
                        [(1, {"national_id": TEACHER, "name": "王老師",
                              "school_code": "353301"})]).rows
    clock = FixedClock(datetime(2026, 1, 5, tzinfo=UTC))
    work = transfer.components.unit_of_work
    sources.register(work(), clock, "tpe-edu", "臺北市教師研習網", "313301", "daily_push")
    sources.record_step(work(), clock, OPERATOR, "tpe-edu", "format_check_passed", None)
    sources.move(work(), clock, OPERATOR, "tpe-edu", "test")
    client, secret = sso.machine_clients.register("tpe-edu", "臺北市教師研習網", "臺北市",
                                                   "ops")
    source_token = requests.post(
        sso.config.issuer + "/oauth/token", auth=(client.client_id, secret), timeout=5,
        data={"grant_type": "client_credentials"}).json()["access_token"]

    pushed = platform("transfer").test_client().post(
        "/sources/tpe-edu/batches", headers={"Authorization": f"Bearer {source_token}"},
        json={"courses": [{
            "source_course_key": "TPE-1", "title": "閱讀素養教學",
            "organiser_unit_code": "313301", "county_code": "TPE",
            "start_date": "2025-03-01", "end_date": "2025-03-02", "hours": 6,
            "class_type": "研習", "category": "語文"}],
            "attendance": [{"source_course_key": "TPE-1", "teacher_id": teacher,
                            "teacher_name": "王老師", "school_code": "353301", "hours": 6,
                            "completed_on": "2025-03-02"} for teacher in (TEACHER, STRANGER)]})
    assert pushed.status_code == 200, pushed.json
    assert pushed.json["counts"]["attendance"]["added"] == 1
    assert [e["code"] for e in pushed.json["errors"]] == ["unknown-teacher"]
    with transfer.database.engine.connect() as connection:
        kept = connection.execute(select(attendance.c.account_id)).scalars().all()
    assert kept == [row.account_id]
    # The same directory answers again (its token kept).
    directory = transfer.components.directory
    assert directory.account_ids([TEACHER]) == {TEACHER: row.account_id}
