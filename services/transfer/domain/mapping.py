"""A source's mapping of its file's tables and columns onto format v1 (R-TRF-3): per
part (courses, attendance, withdrawals) the table (sheet, XML record kind, Access table)
and, per field of the format, the column that holds it. Without a mapping a part is read
from a table named as the format names it, with the format's column names."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter

FIELDS: dict[str, tuple[str, ...]] = {
    "courses": ("source_course_key", "title", "organiser_unit_code", "county_code",
                "start_date", "end_date", "hours", "class_type", "category", "tags",
                "lecturers"),
    "attendance": ("source_course_key", "teacher_id", "teacher_name", "school_code",
                   "hours", "completed_on"),
    "withdrawals": ("source_course_key", "teacher_id", "reason"),
}
OPTIONAL = {"tags", "lecturers", "teacher_id"}  # teacher_id: only a withdrawal may omit it
DEFAULT_TABLES = {"courses": ("courses", "course"), "attendance": ("attendance",),
                  "withdrawals": ("withdrawals", "withdrawal")}


class MappingMismatch(ValueError):
    """The file does not match the mapping: ``problems`` says each way, safe to show."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PartMapping:
    part: str
    table: str
    columns: dict[str, str] = field(default_factory=dict)  # format field → file column

    def column_of(self, name: str) -> str:
        return self.columns.get(name, name)


def check_mapping(part: str, table: str, columns: Mapping[str, str]) -> PartMapping:
    if part not in FIELDS:
        raise MappingMismatch([f"a part is one of {tuple(FIELDS)}"])
    unknown = sorted(set(columns) - set(FIELDS[part]))
    if unknown or not table.strip() or len(table) > 100:
        raise MappingMismatch([f"{part}: unknown fields {unknown}" if unknown
                               else f"{part}: a table name of 1–100 characters"])
    return PartMapping(part, table.strip(), {k: str(v).strip() for k, v in columns.items()})


@dataclass
class MappedTable:
    """A part's table with each data row both as in the file (for the report) and as the
    format's fields (for the checks): ``rows`` holds each row's fields of ``FIELDS[part]``,
    in that order, as a tuple (a field the file lacks, or a cell past a short row's end,
    is empty text) — a file's 200,000 rows are not 200,000 dicts; ``fields_of`` reads one
    by name."""
    part: str
    table: str
    header: list[str]
    original: list[list[str]]
    rows: list[tuple[str, ...]]


def fields_of(part: str, row: object) -> object:
    """A mapped row (a tuple, ``MappedTable.rows``) as its fields by name; anything else
    (a pushed row) as it is."""
    return dict(zip(FIELDS[part], row, strict=True)) if type(row) is tuple else row


def _as_values(indices: list[int | None], rows: list[list[str]]) -> list[tuple[str, ...]]:
    """Each row's cells at ``indices`` (None: a field the file lacks, empty), a cell past
    the end of a short row empty. When every field has its column and every row reaches
    the last, the rows are picked in C (a file's 200,000 rows: 0.04 s, against 0.23 s
    making a dict of each)."""
    present = [index for index in indices if index is not None]
    widest = max(present)
    if len(present) == len(indices) and min(map(len, rows), default=widest + 1) > widest:
        return list(map(itemgetter(*indices), rows))
    return [tuple(row[index] if index is not None and index < len(row) else ""
                  for index in indices) for row in rows]


def apply_mapping(tables: Iterable[tuple[str, list[str], list[list[str]]]],
                  mappings: Mapping[str, PartMapping]) -> list[MappedTable]:
    by_name = {name: (header, rows) for name, header, rows in tables}
    mapped, problems = [], []
    for part, fields in FIELDS.items():
        mapping = mappings.get(part)
        names = (mapping.table,) if mapping else DEFAULT_TABLES[part]
        name = next((n for n in names if n in by_name), None)
        if name is None:
            if mapping:
                problems.append(f"{part}: the file has no table {mapping.table!r}")
            continue
        header, rows = by_name[name]
        mapping = mapping or PartMapping(part, name)
        where = {column: index for index, column in enumerate(header)}
        required = [f for f in fields if f not in OPTIONAL or
                    (f == "teacher_id" and part == "attendance")]
        missing = [mapping.column_of(f) for f in required if mapping.column_of(f) not in where]
        if missing:
            problems.append(f"{part}: table {name!r} has no column {missing}")
            continue
        indices = [where.get(mapping.column_of(f)) for f in fields]
        mapped.append(MappedTable(part, name, header, rows, _as_values(indices, rows)))
    if problems:
        raise MappingMismatch(problems)
    if not mapped:
        raise MappingMismatch(["no table of the file matches a part of the format "
                               "(or the source's mapping)"])
    return mapped
