"""The one route table: which public path goes to which service, and under what path."""
from __future__ import annotations

from dataclasses import dataclass

from servicekit.settings import SERVICES


@dataclass(frozen=True)
class Route:
    prefix: str
    service: str
    strip_prefix: bool = False

    def matches(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")


@dataclass(frozen=True)
class Target:
    service: str
    path: str  # on the service
    stripped_prefix: str = ""


ROUTES: tuple[Route, ...] = (
    # Each service's API is served from its own root.
    *(Route(f"/api/{service}", service, strip_prefix=True) for service in SERVICES),
    # The sso service's public endpoints keep their paths: issuers, redirect URIs and
    # discovery documents name them as they are.
    Route("/jwks.json", "sso"),
    Route("/.well-known", "sso"),
    Route("/oauth", "sso"),
    Route("/login", "sso"),
    Route("/logout", "sso"),
)


# Served by every service for the cluster's own eyes (Prometheus scrapes the pods), not
# for the public: the gateway answers them as unknown.
INTERNAL_PATHS = ("/metrics", "/readyz")


def resolve(path: str, routes: tuple[Route, ...] = ROUTES) -> Target | None:
    for route in routes:
        if route.matches(path):
            if not route.strip_prefix:
                return Target(route.service, path)
            target = Target(route.service, path[len(route.prefix):] or "/", route.prefix)
            return None if target.path in INTERNAL_PATHS else target
    return None
