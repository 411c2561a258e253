"""The transfer scenario (issue 12, "Measured"; ``make bench-transfer``) run small: one
round of 2,000 rows through every part it times, so that a change to the service that
breaks the benchmark shows here rather than at its next run. The figures are not judged
here (that is the benchmark's own work); what each round must hold is."""
from __future__ import annotations

from typing import Any

import pytest

from bench import transfer

ROWS = 2_000


@pytest.fixture
def measured(make_database) -> dict[str, Any]:
    url = make_database("bench_transfer")
    rows = transfer.attendance(ROWS)
    app, runtime = transfer._service(url)
    try:
        # The round itself asserts that the file and the push add every row, the re-send
        # finds every row unchanged, and the floors copy as many events as rows.
        return transfer._Bench(app, runtime, url, transfer.workbook(rows), rows).round(0)
    finally:
        runtime.database.dispose()


def test_a_round_times_each_part_and_the_result_judges_the_goals_on_it(
        measured: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    timed = ("file_s", "floor_s", "read_s", "copy_s", "resend_s", "push_s", "push_floor_s",
             "push_read_s")
    assert all(measured[part] > 0 for part in timed), measured
    assert measured["floor_s"] == pytest.approx(measured["read_s"] + measured["copy_s"])
    written: dict[str, Any] = {}

    def keep(scenario: str, figures: dict[str, Any], parameters: dict[str, Any],
             load: float) -> dict[str, Any]:
        written.update(scenario=scenario, parameters=parameters)
        return figures
    monkeypatch.setattr(transfer, "write_result", keep)  # bench/results stays as it is
    figures = transfer._write(ROWS, 1, [measured], 0.0)
    assert written["scenario"] == "transfer"
    assert figures["push_ratios_to_floor"] == [
        round(measured["push_floor_s"] / measured["push_s"], 3)]
    assert figures["goals"]["push_ratio_to_floor"] is (
        figures["push_ratio_to_floor"] >= transfer.GOAL_RATIO_TO_FLOOR)
    assert figures["goal_met"] is all(figures["goals"].values())
    assert "checkpoint" in written["parameters"]
