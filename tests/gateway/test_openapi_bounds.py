"""Every integer a client sends is bounded, in the schemas and so in the OpenAPI (issue 8,
item 12; R-GW-1): an unbounded ``offset`` reached SQLite as an OverflowError, a 500. The
walk covers every parameter and request-body property of every service, so an endpoint
added later cannot forget its bounds."""
from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

from gateway.openapi import merge
from servicekit.settings import SERVICES


def merged_document() -> dict[str, Any]:
    return merge({service: importlib.import_module(f"services.{service}.api").api.openapi(service)
                  for service in SERVICES})


def resolve(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        _, _, kind, name = node["$ref"].split("/", 3)
        node = document["components"][kind][name]
    return node


def integers(document: dict[str, Any], schema: Any, where: str,
             seen: frozenset[str] = frozenset()) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every integer a request may carry inside ``schema``, with where it is."""
    if isinstance(schema, dict) and "$ref" in schema:
        if schema["$ref"] in seen:
            return
        seen = seen | {schema["$ref"]}
    schema = resolve(document, schema)
    if not isinstance(schema, dict) or schema.get("readOnly"):
        return
    types = schema.get("type")
    if types == "integer" or (isinstance(types, list) and "integer" in types):
        yield where, schema
    for name, value in schema.get("properties", {}).items():
        yield from integers(document, value, f"{where}.{name}", seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from integers(document, schema[key], f"{where}[]", seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for index, value in enumerate(schema.get(key, [])):
            yield from integers(document, value, f"{where}.{key}{index}", seen)


def request_integers(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            name = f"{method.upper()} {path}"
            for given in operation.get("parameters", []):
                parameter = resolve(document, given)
                yield from integers(document, parameter.get("schema"),
                                    f"{name} {parameter['in']}:{parameter['name']}")
            body = resolve(document, operation.get("requestBody", {}))
            for media_type, content in body.get("content", {}).items():
                yield from integers(document, content.get("schema"), f"{name} {media_type}")


def test_every_integer_a_request_carries_has_both_bounds() -> None:
    found = list(request_integers(merged_document()))
    unbounded = [where for where, schema in found
                 if "minimum" not in schema or "maximum" not in schema]
    assert unbounded == []
    # The walk does see them: the paging parameters of the list endpoints at least.
    assert {"GET /api/accounts/units query:offset", "GET /api/accounts/teacher-imports query:offset",
            "GET /api/accounts/national-id-exports query:limit"} <= {where for where, _ in found}


def test_a_page_is_bounded_as_written_in_the_kit() -> None:
    parameters = {parameter["name"]: parameter["schema"] for parameter in
                  merged_document()["paths"]["/api/accounts/units"]["get"]["parameters"]}
    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (1, 1000)
    assert (parameters["offset"]["minimum"], parameters["offset"]["maximum"]) == (0, 2**31 - 1)


def test_the_walk_finds_an_unbounded_integer() -> None:
    document = {"paths": {"/x": {"post": {"responses": {}, "parameters": [
        {"in": "query", "name": "n", "schema": {"type": "integer", "minimum": 0}}],
        "requestBody": {"content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/Body"}}}}}}},
        "components": {"schemas": {"Body": {"type": "object", "properties": {
            "rows": {"type": "array", "items": {"type": ["integer", "null"]}},
            "version": {"type": "integer", "readOnly": True}}}}}}
    assert [where for where, _ in request_integers(document)] == [
        "POST /x query:n", "POST /x application/json.rows[]"]
