"""One OpenAPI 3.1 document for the whole platform, merged from the services' own.

Each service describes paths relative to its root and names its components freely; here
the paths get the service's public prefix and the component names the service's name
(``courses.Unit``), so two services' ``Unit`` schemas stay apart.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from gateway.proxy import Upstreams
from gateway.routes import resolve
from servicekit.settings import SERVICES

CACHE_SECONDS = 60.0
PARTIAL_CACHE_SECONDS = 10.0  # a service that was down is asked again sooner
FETCH_TIMEOUT = 2.0
BEARER_SCHEME = "bearer"  # the name servicekit.api gives it in every service
_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
# Security schemes are not renamed: operations name them by key, not by $ref.
_RENAMED_COMPONENTS = frozenset({"schemas", "responses", "parameters", "examples",
                                 "requestBodies", "headers", "links", "callbacks", "pathItems"})


class ApiDocument:
    """The merged document, fetched when first asked for and then cached."""

    def __init__(self, upstreams: Upstreams, clock: Callable[[], float] = time.monotonic) -> None:
        self._upstreams = upstreams
        self._clock = clock
        self._document: dict[str, Any] | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def get(self, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        with self._lock:  # one fetch at a time; the others wait and take its result
            if self._document is None or self._clock() >= self._expires_at:
                # The API services only: the web client serves pages, not an API.
                answers = self._upstreams.fetch_all("/openapi.json", FETCH_TIMEOUT, headers,
                                                    services=SERVICES)
                self._document = merge({service: _json_object(answer)
                                        for service, answer in answers.items()})
                partial = bool(self._document["x-unavailable-services"])
                self._expires_at = self._clock() + (PARTIAL_CACHE_SECONDS if partial
                                                    else CACHE_SECONDS)
            return self._document


def merge(documents: Mapping[str, dict[str, Any] | None]) -> dict[str, Any]:
    """``documents``: each service's own document, None for a service that did not answer."""
    paths: dict[str, Any] = {}
    components: dict[str, dict[str, Any]] = {"securitySchemes": {BEARER_SCHEME: {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "An access token from the sso service."}}}
    tags, unavailable = [], []
    for service, published in documents.items():
        if published is None:
            unavailable.append(service)
            continue
        document = _with_renamed_refs(published, service)
        for kind, entries in _mapping(document.get("components")).items():
            merged = components.setdefault(kind, {})
            for name, value in _mapping(entries).items():
                if kind in _RENAMED_COMPONENTS:
                    merged[f"{service}.{name}"] = value
                else:
                    merged.setdefault(name, value)
        default_security = document.get("security")
        for path, item in _mapping(document.get("paths")).items():
            paths[_public_path(service, path)] = _tagged(item, service, default_security)
        tags.append({"name": service,
                     "description": _mapping(document.get("info")).get("title", service)})
    return {"openapi": "3.1.0",
            "info": {"title": "In-service training platform API", "version": "1"},
            "tags": tags, "paths": paths, "components": components,
            "x-unavailable-services": unavailable}


def _public_path(service: str, path: str) -> str:
    """Where clients call it: the route table keeps some paths as they are (the sso
    service's OIDC endpoints); everything else is under ``/api/<service>``."""
    kept = resolve(path)
    if kept is not None and kept.service == service and not kept.stripped_prefix:
        return path
    return f"/api/{service}" + ("" if path == "/" else path)


def _tagged(item: Any, service: str, default_security: Any) -> Any:
    if not isinstance(item, dict):
        return item
    item = dict(item)
    for method, operation in item.items():
        if method in _HTTP_METHODS and isinstance(operation, dict):
            tagged = {**operation, "tags": [service]}
            if "operationId" in tagged:
                tagged["operationId"] = f"{service}.{tagged['operationId']}"
            # The service's document-wide default would be lost in the merge.
            if default_security is not None and "security" not in tagged:
                tagged["security"] = default_security
            item[method] = tagged
    return item


def _with_renamed_refs(node: Any, service: str) -> Any:
    if isinstance(node, list):
        return [_with_renamed_refs(value, service) for value in node]
    if not isinstance(node, dict):
        return node
    renamed: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            renamed[key] = _renamed_ref(value, service)
        elif key == "discriminator" and isinstance(value, dict):
            # Mapping values are refs or bare schema names.
            mapping = {name: _renamed_ref(ref, service) if ref.startswith("#")
                       else f"{service}.{ref}"
                       for name, ref in _mapping(value.get("mapping")).items()
                       if isinstance(ref, str)}
            renamed[key] = {**value, "mapping": mapping} if mapping else value
        else:
            renamed[key] = _with_renamed_refs(value, service)
    return renamed


def _renamed_ref(ref: str, service: str) -> str:
    parts = ref.split("/", 4)  # '#', 'components', kind, name[, rest]
    if len(parts) >= 4 and parts[:2] == ["#", "components"] and parts[2] in _RENAMED_COMPONENTS:
        parts[3] = f"{service}.{parts[3]}"
        return "/".join(parts)
    return ref


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _json_object(answer: Any) -> dict[str, Any] | None:
    if answer is None or answer.status_code != 200:
        return None
    try:
        document = answer.json()
    except ValueError:
        return None
    return document if isinstance(document, dict) else None
