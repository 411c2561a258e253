"""The transfer service's business metrics (issue 13 point 7, R-OPS-2): rows accepted and
refused, by mode (an uploaded file, the push API), counted once each batch or chunk has
committed; a file only tested stores nothing and counts nothing."""
from __future__ import annotations

from prometheus_client import REGISTRY
from test_transfer_files import attendee as file_attendee
from test_transfer_files import finished, mapped_source, send, workbook
from test_transfer_push import COURSE, IDS, attendee, batch
from transfer_helpers import open_source

from services.transfer.domain.teacher_ids import with_check_digit


def rows(mode: str) -> tuple[float, float]:
    return tuple(REGISTRY.get_sample_value("inservice_transfer_rows_total",
                                           {"mode": mode, "result": result}) or 0.0
                 for result in ("accepted", "refused"))  # type: ignore[return-value]


def test_pushed_rows_are_counted_accepted_and_refused(api) -> None:
    open_source(api)
    stranger = with_check_digit("B" + IDS[0][1:-1])
    frozen = {**COURSE, "source_course_key": "OLD-1", "start_date": "2012-12-31"}
    before = rows("push")
    answer = api.push("tpe-edu", batch(
        attendee(0), attendee(1, teacher_id="A123456780"), attendee(2, teacher_id=stranger),
        attendee(3, hours="1.25", completed_on="2013-13-01"), attendee(0),
        courses=(COURSE, frozen, {**COURSE, "title": ""})))
    assert answer.status_code == 200
    accepted, refused = (after - was for after, was in zip(rows("push"), before, strict=True))
    # One course and one attendance stored; two courses and four attendance rows (one of
    # them with two errors) refused.
    assert (accepted, refused) == (2, 6)
    again = api.push("tpe-edu", batch(attendee(0)))  # unchanged: accepted, stores nothing new
    assert again.status_code == 200
    assert rows("push")[0] - before[0] == 4  # the course and the attendance row again


def test_rows_of_an_uploaded_file_are_counted_as_file(api) -> None:
    mapped_source(api)
    before = rows("file")
    data = workbook([file_attendee(n) for n in range(5)] +
                    [file_attendee(5, 身分證字號="A123456780"), file_attendee(6, 學校代碼="")])
    tested = send(api, "/sources/ila-edu/file-tests", data)
    assert tested.status_code == 200, tested.json
    assert rows("file") == before  # a test of the file stores nothing
    state = finished(api, send(api, "/sources/ila-edu/files", data).json["upload_id"])
    assert state["status"] == "done"
    accepted = sum(sum(part.values()) for part in state["counts"].values())
    assert accepted == 6
    assert (rows("file")[0] - before[0], rows("file")[1] - before[1]) == \
        (accepted, state["error_count"])
