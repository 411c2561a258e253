"""Endpoints that say who may call them. Every route of a service is declared through
``ServiceApi.route`` with an ``Access``; the decorator verifies the bearer token (the same
strict module the gateway uses: services do not trust the network), checks the roles,
loads the body and query with marshmallow, and dumps the answer. The same declarations
produce the service's OpenAPI document and drive the authorisation-matrix tests."""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, Response, current_app, jsonify, request
from marshmallow import Schema

from servicekit.problems import MEDIA_TYPE, Problem, forbidden, unauthenticated
from servicekit.settings import Settings
from servicekit.tokens import JwksKeySource, Principal, TokenVerifier, bearer_token


@dataclass(frozen=True)
class Access:
    roles: frozenset[str] = frozenset()
    public: bool = False
    # A protocol endpoint (OAuth, OIDC) is reached without a platform role and
    # authenticates by its protocol's own rules, which may answer 401 (RFC 6750).
    protocol: bool = False

    def allows(self, principal: Principal | None) -> bool:
        if self.public:
            return True
        return principal is not None and principal.has_any_role(*self.roles)


# servicekit.problems.Problem.to_dict; extensions (``errors``…) may follow.
PROBLEM_SCHEMA = {"type": "object", "required": ["type", "title", "status"], "properties": {
    "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
    "detail": {"type": "string"}, "instance": {"type": "string"}}}

PUBLIC = Access(public=True)
PROTOCOL = Access(public=True, protocol=True)


def roles(*names: str) -> Access:
    return Access(roles=frozenset(names))


@dataclass(frozen=True)
class Endpoint:
    rule: str
    method: str
    view_name: str
    access: Access
    summary: str
    body: type[Schema] | None
    query: type[Schema] | None
    response: type[Schema] | None
    status: int
    many: bool


@dataclass
class ServiceApi:
    service: str
    endpoints: list[Endpoint] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.blueprint = Blueprint(f"{self.service}_api", __name__)

    def route(self, rule: str, method: str, *, allow: Access, summary: str,
              body: type[Schema] | None = None, query: type[Schema] | None = None,
              response: type[Schema] | None = None, status: int = 200,
              many: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
            endpoint = Endpoint(rule, method.upper(), view.__name__, allow, summary, body, query,
                                response, status, many)
            self.endpoints.append(endpoint)
            # Made once and used by every request: a schema keeps nothing of a call, and
            # making one (its fields copied) cost 30-40 µs, a request's body and answer
            # about 70 µs.
            loads_body = body() if body is not None else None
            loads_query = query() if query is not None else None
            dumps = response(many=many) if response is not None else None

            @functools.wraps(view)
            def wrapper(**path: Any) -> Any:
                # A protocol endpoint reads its credentials itself: its tokens need not be
                # the platform API's (userinfo takes a partner site's).
                principal = None if allow.protocol else authenticate(required=not allow.public)
                if not allow.allows(principal):
                    raise forbidden(f"this action needs one of the roles {sorted(allow.roles)}")
                _refuse_unstorable_text(path.values(), request.args.values(),
                                        request.form.values(), _basic_credentials())
                arguments: dict[str, Any] = dict(path, principal=principal)
                if loads_body is not None:
                    arguments["body"] = loads_body.load(_json_body())
                if loads_query is not None:
                    arguments["query"] = loads_query.load(request.args.to_dict())
                result = view(**arguments)
                if isinstance(result, Response):
                    return result
                payload = dumps.dump(result) if dumps is not None else result
                return jsonify(payload), status

            self.blueprint.add_url_rule(rule, view.__name__, wrapper, methods=[endpoint.method])
            return wrapper
        return decorate

    def openapi(self, title: str, version: str = "1") -> dict[str, Any]:
        spec = APISpec(title=title, version=version, openapi_version="3.1.0",
                       plugins=[MarshmallowPlugin()])
        spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                                   "bearerFormat": "JWT"})
        paths: dict[str, dict[str, Any]] = {}
        for endpoint in self.endpoints:
            operation: dict[str, Any] = {
                "operationId": endpoint.view_name, "summary": endpoint.summary,
                "x-allowed-roles": _allowed(endpoint.access),
                "responses": {str(endpoint.status): {"description": "OK"}},
            }
            if not endpoint.access.public:
                operation["security"] = [{"bearer": []}]
            if endpoint.body:
                operation["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": endpoint.body}}}
            if endpoint.query:
                operation["parameters"] = [{"in": "query", "schema": endpoint.query}]
            if _answers_json(endpoint):
                operation["responses"]["default"] = {
                    "description": "An error (RFC 9457 problem details; `type` is stable)",
                    "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            if endpoint.response:
                schema: Any = endpoint.response
                if endpoint.many:
                    schema = {"type": "array", "items": endpoint.response}
                operation["responses"][str(endpoint.status)]["content"] = {
                    "application/json": {"schema": schema}}
            openapi_path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", endpoint.rule)
            operation["parameters"] = operation.get("parameters", []) + [
                {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
                for name in re.findall(r"{([^}]+)}", openapi_path)]
            paths.setdefault(openapi_path, {})[endpoint.method.lower()] = operation
        spec.components.schema("Problem", PROBLEM_SCHEMA)
        for path, operations in paths.items():
            spec.path(path=path, operations=operations)
        return _json_numbers(spec.to_dict())

    def install(self, app: Flask, title: str) -> None:
        app.register_blueprint(self.blueprint)
        document: dict[str, Any] = {}

        @app.get("/openapi.json")
        def openapi_document() -> Response:
            if not document:
                document.update(self.openapi(title))
            return jsonify(document)


# The only ways JSON can carry a NUL or a lone surrogate: the escapes \u0000 and \udXXX
# (raw control characters and invalid UTF-8 are not JSON). A surrogate pair (an emoji)
# matches too; the walk then tells them apart.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|d[89a-f])", re.IGNORECASE)


def _json_numbers(value: Any) -> Any:
    """A ``Decimal`` bound (hours with one decimal: ``Range(min=Decimal("0.1"))``) as the
    JSON number it is, so the document is the same before and after it travels as JSON."""
    if isinstance(value, dict):
        return {key: _json_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_numbers(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _answers_json(endpoint: Endpoint) -> bool:
    """A JSON API endpoint, whose every error is problem+json. The others are the sign-in
    pages (HTML) and the OAuth/OIDC endpoints (their errors are the protocol's own JSON):
    public, with no schema of ours."""
    if endpoint.access.protocol:
        return False
    return not endpoint.access.public or any((endpoint.body, endpoint.query, endpoint.response))


def _json_body() -> Any:
    """The JSON body; none, or one that is not JSON, is an empty object (the schema then
    names what is missing). Text no database can store is refused before any handler
    sees it: PostgreSQL refuses NUL in text, and neither database can encode a lone
    surrogate (both a 500)."""
    try:
        data = request.get_json(silent=True) or {}
    except RecursionError:  # nested deeper than the parser goes: not JSON we read either
        data = {}
    if _SUSPECT_ESCAPE.search(request.get_data(cache=True)) and not _storable(data):
        raise _unstorable()
    return data


def _storable(node: Any) -> bool:
    if isinstance(node, str):
        return "\x00" not in node and (node.isascii() or _encodes(node))
    if isinstance(node, dict):
        return all(_storable(key) and _storable(value) for key, value in node.items())
    if isinstance(node, list):
        return all(_storable(value) for value in node)
    return True


def _encodes(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _basic_credentials() -> tuple[str, ...]:
    authorization = request.authorization
    if authorization is None or authorization.type != "basic":
        return ()
    return (authorization.username or "", authorization.password or "")


def _refuse_unstorable_text(*groups: Any) -> None:
    """NUL in a path, query or form value, or in Basic credentials: PostgreSQL's text
    cannot hold it (a 500 there, wherever a handler looks it up or records it)."""
    for values in groups:
        if any(isinstance(value, str) and "\x00" in value for value in values):
            raise _unstorable()


def _unstorable() -> Problem:
    return Problem(400, "unstorable-text", "The request carries text that cannot be stored",
                   "NUL characters and unpaired surrogates are not text.")


def _allowed(access: Access) -> str | list[str]:
    if access.protocol:
        return "protocol"
    return "public" if access.public else sorted(access.roles)


def token_verifier(app: Flask) -> TokenVerifier:
    """Built on first use and kept for the app's life (its key cache is what makes it cheap)."""
    verifier = app.extensions.get("token_verifier")
    if verifier is None:
        settings: Settings = app.config["SETTINGS"]
        verifier = TokenVerifier(issuer=settings.token_issuer, audience=settings.token_audience,
                                 key_source=JwksKeySource(settings.jwks_url),
                                 clients=settings.platform_clients)
        app.extensions["token_verifier"] = verifier
    return verifier


def authenticate(required: bool) -> Principal | None:
    token = bearer_token(request.headers.get("Authorization"))
    if token is None:
        if required:
            raise unauthenticated("a bearer token is required")
        return None
    return token_verifier(current_app).verify(token)
