"""The embedded platform (``make up``) builds one runtime per service — one engine, shared
by its web app, relay and consumers — and finds each app from the service's definition
(``ServiceDefinition.web``, ``servicekit.web.app_for``), not from a module name."""
from __future__ import annotations

import socketserver
from collections import Counter

import pytest

from launcher.embedded import EmbeddedPlatform
from launcher.registry import DEFINITIONS
from servicekit import db
from servicekit.service import Runtime
from servicekit.settings import SERVICE_PORTS, Settings
from servicekit.testing.processes import free_port
from servicekit.testing.runtimes import purge_queues
from servicekit.web import app_for


def rules(app) -> set[tuple[str, frozenset[str]]]:  # type: ignore[no-untyped-def]
    return {(rule.rule, frozenset(rule.methods or ())) for rule in app.url_map.iter_rules()}


@pytest.mark.parametrize("definition", DEFINITIONS, ids=[d.name for d in DEFINITIONS])
def test_each_app_is_found_from_its_definition_and_built_on_the_runtime_given(
        definition, tmp_path) -> None:  # type: ignore[no-untyped-def]
    runtime = Runtime(definition, Settings.from_env(definition.name, {"DATA_DIR": str(tmp_path)}))
    app = app_for(runtime)
    assert app.extensions["runtime"] is runtime
    module = __import__(f"services.{definition.name}.app", fromlist=["create_app"])
    same = module.create_app(runtime.settings)  # what gunicorn serves
    assert same.extensions["runtime"] is not runtime
    assert rules(app) == rules(same) and ("/openapi.json", frozenset({"GET", "HEAD", "OPTIONS"})) in rules(app)
    assert definition.app_spec == f"services.{definition.name}.app:create_app()"


def test_a_service_without_a_web_app_is_named() -> None:
    from dataclasses import replace
    runtime = Runtime(replace(DEFINITIONS[0], web=None), Settings.from_env("accounts", {}))
    with pytest.raises(LookupError, match="accounts service declares no web app"):
        app_for(runtime)


@pytest.mark.integration  # it builds the platform's engines on real files and ports
def test_the_embedded_platform_builds_one_runtime_and_one_engine_per_service(
        tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    engines: Counter[str | None] = Counter()
    original = db.Database.__init__

    def counted(self, url, service=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        engines[service] += 1
        original(self, url, service, *args, **kwargs)

    monkeypatch.setattr(db.Database, "__init__", counted)
    ports = {name: free_port() for name in SERVICE_PORTS}
    environ = {"DATA_DIR": str(tmp_path), "LOG_LEVEL": "CRITICAL",
               "PUBLIC_URL": f"http://127.0.0.1:{ports['gateway']}"}
    for name, port in ports.items():
        environ[f"{name.upper()}_HTTP_PORT"] = str(port)
        if name != "gateway":
            environ[f"{name.upper()}_URL"] = f"http://127.0.0.1:{port}"
    platform = EmbeddedPlatform(environ, seed=False)
    try:
        platform.start()
        served = {server.app.extensions["runtime"].definition.name:
                  server.app.extensions["runtime"]
                  for server in platform.servers if "runtime" in server.app.extensions}
    finally:
        platform.shutdown()
        for runtime in platform.runtimes:
            purge_queues(runtime)
    names = [d.name for d in DEFINITIONS]
    assert [runtime.definition.name for runtime in platform.runtimes] == names
    assert served == {runtime.definition.name: runtime for runtime in platform.runtimes}
    # Issue 14: a thread per request, no pool for pages to take from the API calls they make.
    assert all(isinstance(server, socketserver.ThreadingMixIn) for server in platform.servers)
    assert {name: engines[name] for name in names} == dict.fromkeys(names, 1)
