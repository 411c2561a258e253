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
    format's fields (for the checks)."""
    part: str
    table: str
    header: list[str]
    original: list[list[str]]
    rows: list[dict[str, str]]


def _as_fields(present: list[tuple[str, int]],
               rows: list[list[str]]) -> list[dict[str, str]]:
    """Each row as the format's fields (``present``: each field's column); a cell past
    the end of a short row is empty. A row that reaches the last column is picked in C."""
    names = [name for name, _ in present]
    indices = [index for _, index in present]
    widest = max(indices)
    if len(indices) == 1:
        return [{names[0]: row[widest] if len(row) > widest else ""} for row in rows]
    pick = itemgetter(*indices)
    return [dict(zip(names, pick(row), strict=True)) if len(row) > widest else
            {f: (row[i] if i < len(row) else "") for f, i in present} for row in rows]


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
        present = [(f, where[mapping.column_of(f)]) for f in fields
                   if mapping.column_of(f) in where]
        mapped.append(MappedTable(part, name, header, rows, _as_fields(present, rows)))
    if problems:
        raise MappingMismatch(problems)
    if not mapped:
        raise MappingMismatch(["no table of the file matches a part of the format "
                               "(or the source's mapping)"])
    return mapped
