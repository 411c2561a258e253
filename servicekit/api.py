"""Endpoints that say who may call them. Every route of a service is declared through
``ServiceApi.route`` with an ``Access``; the decorator verifies the bearer token (the same
strict module the gateway uses: services do not trust the network), checks the roles,
loads the body and query with marshmallow, and dumps the answer. The same declarations
produce the service's OpenAPI document and drive the authorisation-matrix tests."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, Response, current_app, jsonify, request
from marshmallow import Schema

from servicekit.problems import forbidden, unauthenticated
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

            @functools.wraps(view)
            def wrapper(**path: Any) -> Any:
                # A protocol endpoint reads its credentials itself: its tokens need not be
                # the platform API's (userinfo takes a partner site's).
                principal = None if allow.protocol else authenticate(required=not allow.public)
                if not allow.allows(principal):
                    raise forbidden(f"this action needs one of the roles {sorted(allow.roles)}")
                arguments: dict[str, Any] = dict(path, principal=principal)
                if body is not None:
                    arguments["body"] = body().load(request.get_json(silent=True) or {})
                if query is not None:
                    arguments["query"] = query().load(request.args.to_dict())
                result = view(**arguments)
                if isinstance(result, Response):
                    return result
                payload = response(many=many).dump(result) if response else result
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
        for path, operations in paths.items():
            spec.path(path=path, operations=operations)
        return spec.to_dict()

    def install(self, app: Flask, title: str) -> None:
        app.register_blueprint(self.blueprint)
        document: dict[str, Any] = {}

        @app.get("/openapi.json")
        def openapi_document() -> Response:
            if not document:
                document.update(self.openapi(title))
            return jsonify(document)


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
