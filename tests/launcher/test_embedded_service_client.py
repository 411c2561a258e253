"""Issue 12 item 5 on the embedded default (``make up``): the platform registers the
transfer service's own client at sso as it starts, with the secret transfer makes for
itself under the data folder, so that a source's push resolves its teachers through the
accounts service over HTTP with no set-up by hand."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from launcher.embedded import EmbeddedPlatform
from servicekit.clock import FixedClock
from servicekit.settings import SERVICE_PORTS
from servicekit.testing.processes import free_port
from servicekit.testing.runtimes import purge_queues
from servicekit.tokens import Principal
from services.accounts.domain.national_id import with_check_digit
from services.accounts.handlers.teacher_import import import_rows
from services.accounts.handlers.units import register_unit
from services.transfer.handlers import sources

OPERATOR = Principal(subject="operator-1", roles=frozenset({"operator"}))
TEACHER = with_check_digit("A22345678")


@pytest.mark.integration  # the platform on real files and ports
def test_a_push_on_the_embedded_platform_resolves_teachers(tmp_path) -> None:
    ports = {name: free_port() for name in SERVICE_PORTS}
    environ = {"DATA_DIR": str(tmp_path), "LOG_LEVEL": "CRITICAL",
               "PUBLIC_URL": f"http://127.0.0.1:{ports['gateway']}"}
    for name, port in ports.items():
        environ[f"{name.upper()}_HTTP_PORT"] = str(port)
        if name != "gateway":
            environ[f"{name.upper()}_URL"] = f"http://127.0.0.1:{port}"
    platform = EmbeddedPlatform(environ, seed=False)
    try:
        platform.start()
        runtime = {r.definition.name: r for r in platform.runtimes}
        accounts, transfer, sso = runtime["accounts"], runtime["transfer"], runtime["sso"]
        # The secret transfer made for itself is the one sso registered.
        secret = (tmp_path / "secrets" / "transfer" / "service_client_secret").read_text()
        token = requests.post(f"http://127.0.0.1:{ports['sso']}/oauth/token", timeout=10,
                              auth=("service-transfer", secret.strip()),
                              data={"grant_type": "client_credentials"})
        assert token.status_code == 200, token.text
        register_unit(accounts.components.unit_of_work(), accounts.clock, "353301",
                      "臺北市立建國高級中學", "senior_high_school", "TPE")
        [teacher] = import_rows(accounts.components.unit_of_work(), accounts.clock,
                                accounts.components.vault, OPERATOR,
                                [(1, {"national_id": TEACHER, "name": "林老師",
                                      "school_code": "353301"})]).rows
        clock = FixedClock(datetime(2026, 1, 5, tzinfo=UTC))
        work = transfer.components.unit_of_work
        sources.register(work(), clock, "tpe-edu", "臺北市教師研習網", "313301", "daily_push")
        sources.record_step(work(), clock, OPERATOR, "tpe-edu", "format_check_passed", None)
        sources.move(work(), clock, OPERATOR, "tpe-edu", "test")
        client, source_secret = sso.components.machine_clients.register(
            "tpe-edu", "臺北市教師研習網", "臺北市", "ops")
        source_token = requests.post(
            f"http://127.0.0.1:{ports['sso']}/oauth/token", timeout=10,
            auth=(client.client_id, source_secret),
            data={"grant_type": "client_credentials"}).json()["access_token"]
        pushed = requests.post(
            f"http://127.0.0.1:{ports['transfer']}/sources/tpe-edu/batches", timeout=30,
            headers={"Authorization": f"Bearer {source_token}"}, json={
                "courses": [{"source_course_key": "K-1", "title": "數位教學",
                             "organiser_unit_code": "313301", "county_code": "TPE",
                             "start_date": "2025-05-01", "end_date": "2025-05-01",
                             "hours": 3, "class_type": "研習", "category": "資訊"}],
                "attendance": [{"source_course_key": "K-1", "teacher_id": TEACHER,
                                "teacher_name": "林老師", "school_code": "353301",
                                "hours": 3, "completed_on": "2025-05-01"}]})
        assert pushed.status_code == 200, pushed.text
        assert pushed.json()["counts"]["attendance"]["added"] == 1, pushed.json()
        assert pushed.json()["errors"] == []
        assert transfer.components.directory.account_ids([TEACHER]) == {
            TEACHER: teacher.account_id}
    finally:
        platform.shutdown()
        for runtime_ in platform.runtimes:
            purge_queues(runtime_)
