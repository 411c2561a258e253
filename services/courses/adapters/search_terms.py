"""What PostgreSQL's GIN indexes over the search documents hold (revision 0017): each
document's terms and, while its course is published, its county as one more term
(``c:`` and the code; no term of a title, lecturer or audience holds a colon but their
own prefixes). A keyword with a county is then one lookup in the index, both posting
lists intersected there, not a bitmap of the keyword's documents intersected with one of
every document of the county (at 2 M courses: 防災 in Taipei, 8,400 documents, found
through a bitmap of Taipei's 220,000). One expression, written once: an index serves a
statement only if the statement repeats the index's expression exactly."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, literal_column

COUNTY = "c:"
INDEXED = f"string_to_array(terms || coalesce(' {COUNTY}' || county_code, ''), ' ')"


def indexed(terms: Any, county_code: Any) -> ColumnElement[Any]:
    """``INDEXED`` over the given columns (qualified, as a statement joining the courses,
    which have a county too, must name them)."""
    county = literal_column(f"' {COUNTY}'").op("||")(county_code)
    return func.string_to_array(
        terms.op("||")(func.coalesce(county, literal_column("''"))), literal_column("' '"))
