"""A file's cells as text and its report's rows, each made in bulk: the same as cell by
cell and row by row (the code before, kept here as the reference)."""
from datetime import UTC, date, datetime

import orjson

from services.transfer.adapters.files.tables import cell_text, row_texts
from services.transfer.domain.mapping import MappedTable
from services.transfer.handlers.uploads import _report_table, _with_notes


def test_a_rows_cells_read_as_text_are_those_cell_by_cell() -> None:
    class Text(str):
        pass

    rows = [[" A-1 ", "甲\t", "3"], ["A-1", 3.0, date(2013, 4, 1)], [None, "", 2.5],
            [datetime(2013, 4, 1, tzinfo=UTC), True, " x"], [], [Text(" y ")], ["a", None]]
    for row in rows:
        assert row_texts(row) == [cell_text(cell) for cell in row]
        assert all(type(text) is str for text in row_texts(row))


def test_the_report_holds_each_original_row_with_its_errors_as_wide_as_the_header() -> None:
    header = ["a", "b", "c"]
    original = [["1", "2", "3"], ["1", "2"], ["1", "2", "3", "4"], ["1", "2", "3"], [],
                ["1", "2", "3"]]
    errors = {2: ["b: required"], 4: ["a: x", "c: y"], 9: ["no such row"]}
    table = MappedTable("attendance", "sheet", header, original, [() for _ in original])
    width = len(header)
    expected = [row + [""] if len(row) == width and n not in errors else
                [*row[:width], *[""] * (width - len(row)), "; ".join(errors.get(n, []))]
                for n, row in enumerate(original, start=1)]
    stored = orjson.loads(orjson.dumps(_report_table(table, errors)))  # as sealed
    assert stored["rows"] == original and set(stored["notes"]) == {"2", "4", "9"}
    shown = _with_notes(stored)
    assert list(shown["rows"]) == expected
    assert {**shown, "rows": None} == {"part": "attendance", "table": "sheet",
                                       "header": header, "rows": None, "notes": stored["notes"]}
    assert original[0] == ["1", "2", "3"]  # the file's rows are not changed
    # A report sealed before the notes were kept apart is shown as it was stored.
    before = {"part": "attendance", "table": "sheet", "header": header, "rows": expected}
    assert _with_notes(before) == before
