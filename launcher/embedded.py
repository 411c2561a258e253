"""All services in one process, on SQLite and the in-process bus."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from gateway.app import create_app as create_gateway
from launcher.registry import DEFINITIONS
from launcher.service_clients import register_embedded
from servicekit.cli import consume, migrate
from servicekit.logs import configure_logging
from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.web import app_for
from web.app import create_app as create_web

log = logging.getLogger("launcher")


@dataclass
class EmbeddedPlatform:
    environ: dict[str, str]
    seed: bool = True
    stop: threading.Event = field(default_factory=threading.Event)
    servers: list[BaseWSGIServer] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)
    runtimes: list[Runtime] = field(default_factory=list)

    def start(self) -> str:
        configure_logging("platform", self.environ.get("LOG_LEVEL", "INFO"))
        for definition in DEFINITIONS:
            runtime = Runtime(definition, Settings.from_env(definition.name, self.environ))
            migrate(runtime)
            self.runtimes.append(runtime)
        # The services' own clients at sso, before any of them asks for a token.
        register_embedded(next(r for r in self.runtimes if r.definition.name == "sso"),
                          self.environ)
        for runtime in self.runtimes:
            self._background(f"{runtime.definition.name}-relay", runtime.relay().run, self.stop)
            for subscription in runtime.subscriptions():
                self._background(f"{subscription.queue.name}-consumer", consume,
                                 runtime, subscription, self.stop)
            # The app on this same runtime: one engine per service, shared with its
            # relay and consumers.
            self._serve(app_for(runtime), runtime.settings)
        if self.seed:
            for runtime in self.runtimes:
                if runtime.definition.seed_demo is not None:
                    runtime.definition.seed_demo(runtime)
        # The web client, behind the gateway at "/" (it calls the API through the gateway,
        # first when a page is asked for): up before the gateway reports on it.
        web_settings = Settings.from_env("web", self.environ)
        self._serve(create_web(web_settings), web_settings)
        gateway_settings = Settings.from_env("gateway", self.environ)
        self._serve(create_gateway(gateway_settings), gateway_settings)
        return f"http://{gateway_settings.http_host}:{gateway_settings.http_port}"

    def _serve(self, app: Flask, settings: Settings) -> None:
        server = make_server(settings.http_host, settings.http_port, app, threaded=True)
        self.servers.append(server)
        self._background(f"{settings.service}-web", server.serve_forever)

    def _background(self, name: str, target: Callable[..., object], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def shutdown(self) -> None:
        self.stop.set()
        for server in self.servers:
            server.shutdown()
        for thread in self.threads:
            thread.join(timeout=10)
        for runtime in self.runtimes:
            runtime.database.dispose()
