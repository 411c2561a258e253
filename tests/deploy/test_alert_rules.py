"""The alert rules (deploy/prometheus/alerts.yml) and the runbook that answers them
(issue 15, point 5; R-OPS-1): the rules load in Prometheus, each fires on what it is
about and not on a platform that works (promtool's unit tests, alerts.test.yml), they
read metrics the processes export, and every alert has its section in
docs/operations.md.

promtool comes with Debian's ``prometheus`` package (.ci/run installs it). Without it the
promtool tests are skipped — unless ``PLATFORM_TEST_REQUIRE_SERVERS=1`` (CI), when they fail.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from platform_metrics import FROM_THE_CLUSTER, exported, metric_names

from servicekit.testing.servers import servers_required

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "alerts.test.yml"
RUNBOOK = ROOT / "docs" / "operations.md"

ALERTS = {"OutboxNotDraining", "OutboxBacklogHigh", "EventsDeadLettered",
          "GatewayServerErrors", "ProcessRestarting", "ProcessDown",
          # issue 13 point 7 (R-OPS-2): the business and bus metrics
          "OutboxEventsWaiting", "ConsumerDown", "ConsumerLagHigh", "DeadLettersGrowing",
          "ServiceServerErrors", "EnrolmentLatencyHigh"}


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        message = "promtool not found (Debian package prometheus: apt-get install prometheus)"
        if servers_required():
            pytest.fail(f"{message}; PLATFORM_TEST_REQUIRE_SERVERS=1 demands it", pytrace=False)
        pytest.skip(message)
    return path


def run(*args: str, cwd: Path = RULES.parent) -> subprocess.CompletedProcess:
    return subprocess.run([promtool(), *args], cwd=cwd, capture_output=True, text=True,
                          check=False, timeout=120)


def rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"]
            for rule in group["rules"]]


@pytest.mark.integration  # promtool, as a process
def test_the_rules_load_in_prometheus() -> None:
    checked = run("check", "rules", RULES.name)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(ALERTS)} rules found" in checked.stdout


@pytest.mark.integration  # promtool, as a process
def test_each_alert_fires_on_its_cause_and_not_on_a_working_platform() -> None:
    tested = run("test", "rules", RULE_TESTS.name)
    assert tested.returncode == 0, tested.stdout + tested.stderr


@pytest.mark.integration  # promtool, as a process
def test_promtool_refuses_a_broken_rule(tmp_path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(RULES.read_text().replace("max by (service) (outbox_backlog) > 10000",
                                                "max by (service) (outbox_backlog > 10000"))
    assert run("check", "rules", str(broken)).returncode != 0


def test_every_alert_is_known_and_reads_metrics_that_exist(tmp_path) -> None:
    """The names come from the code (platform_metrics: the registry once every app is
    made), the cluster's from kube-state-metrics and Prometheus."""
    assert metric_names('sum by (service) (rate(x_total{a="b"}[5m])) > 0 unless on (s) up') \
        == {"x_total", "up"}
    names = exported(tmp_path)
    assert {rule["alert"] for rule in rules()} == ALERTS
    for rule in rules():
        metrics = metric_names(rule["expr"])
        assert metrics, rule["alert"]
        assert metrics <= names | FROM_THE_CLUSTER, f"{rule['alert']}: {metrics - names}"
        assert rule["labels"]["severity"] in ("warning", "critical")


def test_every_alert_has_its_runbook_section() -> None:
    runbook = RUNBOOK.read_text(encoding="utf-8")
    headings = set(re.findall(r"^#### (\w+)$", runbook, re.MULTILINE))
    for rule in rules():
        assert rule["alert"] in headings, f"docs/operations.md has no '#### {rule['alert']}'"
        assert rule["annotations"]["runbook"] == f"docs/operations.md#{rule['alert'].lower()}"
