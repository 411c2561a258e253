"""R-GW-1: the merged OpenAPI document, the health report, readiness and metrics.

A failure shows the part of the document or report that is wrong."""
from __future__ import annotations

from gateway.openapi import ApiDocument, merge
from servicekit.settings import SERVICES


def all_refs(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(all_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(all_refs(value) for value in node))
    return set()


def test_openapi_merges_services_with_prefixed_paths_and_components(make_gateway, closed_url):
    """R-GW-1: one document; each service's paths under /api/<service>, its schemas renamed."""
    gateway = make_gateway(stats=closed_url)
    response = gateway.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.1")
    assert document["x-unavailable-services"] == ["stats"]

    up = [service for service in SERVICES if service != "stats"]
    assert set(document["paths"]) == {f"/api/{service}{path}" for service in up
                                      for path in ("", "/units/{unitId}")} | {"/oauth/token"}
    assert document["paths"]["/oauth/token"]["post"]["tags"] == ["sso"]  # where it is served
    schemas = document["components"]["schemas"]
    assert {"courses.Unit", "accounts.Unit", "courses.Owner"} <= set(schemas)
    assert "Unit" not in schemas, "a schema kept its bare name and would collide"

    operation = document["paths"]["/api/courses/units/{unitId}"]["get"]
    assert operation["tags"] == ["courses"]
    assert operation["operationId"] == "courses.getUnit"
    assert operation["security"] == [{"bearer": []}], "the service's default security was lost"
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/courses.Unit"}
    assert operation["parameters"] == [{"$ref": "#/components/parameters/courses.UnitId"}]
    assert schemas["courses.Unit"]["properties"]["owner"] == {
        "$ref": "#/components/schemas/courses.Owner"}

    defined = {f"#/components/{kind}/{name}" for kind, entries in document["components"].items()
               for name in entries}
    dangling = all_refs(document) - defined
    assert not dangling, f"refs to nothing: {sorted(dangling)}"
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert [tag["name"] for tag in document["tags"]] == up


def test_openapi_is_cached(make_gateway, services):
    """R-GW-1: the services are asked once, not on every request."""
    gateway = make_gateway()
    first = gateway.get("/api/openapi.json").json
    second = gateway.get("/api/openapi.json").json
    assert first == second
    assert len(services["courses"].calls_to("/openapi.json")) == 1


def test_openapi_cache_expires_and_a_partial_document_sooner():
    """R-GW-1: 60 s when complete; a service that was down is asked again after 10 s."""
    class Upstreams:
        answers = 0

        def fetch_all(self, path, timeout, headers=None, services=None):
            Upstreams.answers += 1
            return {"courses": None}

    clock = [0.0]
    document = ApiDocument(Upstreams(), clock=lambda: clock[0])
    document.get()
    clock[0] = 9.0
    document.get()
    assert Upstreams.answers == 1
    clock[0] = 10.5
    assert document.get()["x-unavailable-services"] == ["courses"]
    assert Upstreams.answers == 2, "a partial document was kept too long"


def test_merge_renames_discriminator_mappings():
    """R-GW-1: mapping values are refs too, or bare schema names."""
    merged = merge({"courses": {"paths": {}, "components": {"schemas": {
        "Pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}],
                "discriminator": {"propertyName": "kind",
                                  "mapping": {"cat": "#/components/schemas/Cat", "dog": "Dog"}}},
        "Cat": {"type": "object"}, "Dog": {"type": "object"}}}}})
    pet = merged["components"]["schemas"]["courses.Pet"]
    assert pet["discriminator"]["mapping"] == {"cat": "#/components/schemas/courses.Cat",
                                               "dog": "courses.Dog"}
    assert pet["oneOf"] == [{"$ref": "#/components/schemas/courses.Cat"}]


def test_healthz_reports_each_service(make_gateway, closed_url):
    """R-GW-1: 200 with "degraded" when a service is down; each service named."""
    response = make_gateway(sso=closed_url).get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    assert response.json["services"] == {service: "unavailable" if service == "sso" else "ok"
                                         for service in SERVICES}


def test_healthz_is_ok_when_every_service_is(gateway):
    """R-GW-1: all up → "ok"."""
    assert gateway.get("/healthz").json["status"] == "ok"


def test_readyz_speaks_for_the_gateway_itself(make_gateway, closed_url):
    """R-GW-1: readiness does not depend on the services, only on what the gateway needs."""
    response = make_gateway(courses=closed_url).get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["checks"] == {"rate-limit-storage": "ok"}


def test_upstream_latency_is_measured_by_service_and_outcome(make_gateway, closed_url):
    """R-GW-1: /metrics shows each service's answers and failures."""
    gateway = make_gateway(stats=closed_url)
    gateway.get("/api/courses/units")
    gateway.get("/api/stats/summary")
    metrics = gateway.get("/metrics").get_data(as_text=True)
    count = "gateway_upstream_duration_seconds_count"
    assert f'{count}{{outcome="2xx",service="courses"}}' in metrics
    assert f'{count}{{outcome="unavailable",service="stats"}}' in metrics
