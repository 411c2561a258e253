"""XML files of format v1 (``<batch>`` of ``<course>``, ``<attendance>``,
``<withdrawal>``), parsed as a stream with defusedxml: a DTD, an entity or an external
reference stops the parse (no expansion, no network). Each record kind is a table; its
child elements are the columns, a repeated one (``tag``, ``lecturer``) joined with ``;``
into the list column of its plural name."""
from __future__ import annotations

import io

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]  # no stubs
from defusedxml.ElementTree import iterparse  # type: ignore[import-untyped]  # no stubs

from services.transfer.adapters.files.tables import FileTable, UnreadableFile

PLURALS = {"tag": "tags", "lecturer": "lecturers"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_xml(data: bytes) -> list[FileTable]:
    tables: dict[str, FileTable] = {}
    depth = 0
    try:
        events = iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True,
                           forbid_entities=True, forbid_external=True)
        for kind, element in events:
            if kind == "start":
                depth += 1
                continue
            depth -= 1
            if depth != 1:  # a record is a child of the root; its fields come before it
                continue
            record: dict[str, str] = {}
            for child in element:
                name = _local(child.tag)
                text = (child.text or "").strip()
                if name in PLURALS:
                    name = PLURALS[name]
                    record[name] = f"{record[name]};{text}" if record.get(name) else text
                else:
                    record[name] = text
            table = tables.setdefault(_local(element.tag), FileTable(_local(element.tag), []))
            for name in record:
                if name not in table.header:
                    table.header.append(name)
            table.rows.append([record.get(name, "") for name in table.header])
            element.clear()  # the stream keeps no record it has read
    except DefusedXmlException:
        raise UnreadableFile("unsafe-xml", "the XML declares a DTD or entities, which are "
                                           "not accepted") from None
    except SyntaxError as error:  # ElementTree's ParseError
        raise UnreadableFile("not-this-kind-of-file",
                             f"the file is not well-formed XML ({error})") from None
    for table in tables.values():  # rows read before a later column appeared
        width = len(table.header)
        table.rows = [row + [""] * (width - len(row)) for row in table.rows]
    return list(tables.values())
