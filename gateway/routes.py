"""The one route table: which public path goes to which service, and under what path."""
from __future__ import annotations

import re
from dataclasses import dataclass

from servicekit.settings import SERVICES, WEB_CLIENT


@dataclass(frozen=True)
class Route:
    prefix: str
    service: str
    strip_prefix: bool = False
    exact: bool = False

    def matches(self, path: str) -> bool:
        if self.exact:
            return path == self.prefix
        return path == self.prefix or path.startswith(self.prefix + "/")


@dataclass(frozen=True)
class Target:
    service: str
    path: str  # on the service
    stripped_prefix: str = ""


# The web client's own paths (web/pages): its files, sign-in, language and each role's pages.
WEB_PREFIXES = ("/static", "/auth", "/lang", "/courses", "/my", "/organiser", "/reviewer",
                "/stats", "/operator", "/news", "/favicon.ico")

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
    # The web client's pages, under prefixes of their own: anything else stays a JSON
    # 404 for API clients. Later pages (operators, statistics) add their prefix here.
    Route("/", WEB_CLIENT, exact=True),
    *(Route(prefix, WEB_CLIENT) for prefix in WEB_PREFIXES),
)


# Addresses whose key is a secret (the first group), never logged: a teacher's calendar
# feed, read by calendar apps that cannot sign in (services/courses/README.md).
SECRET_PATHS = (re.compile(r"/api/courses/calendars/([^/]+)\.ics"),)


# Served by every service for the cluster's own eyes (Prometheus scrapes the pods, the
# kubelet probes them) or for the gateway alone (each service's API document, merged at
# /api/openapi.json; its health, summed up at /healthz): the gateway answers them as unknown.
INTERNAL_PATHS = ("/metrics", "/readyz", "/healthz", "/openapi.json")
_INTERNAL_NAMES = frozenset(path.strip("/") for path in INTERNAL_PATHS)


def resolve(path: str, routes: tuple[Route, ...] = ROUTES) -> Target | None:
    """``path``: normalised (gateway.paths). None when no service answers it publicly."""
    for route in routes:
        if route.matches(path):
            if not route.strip_prefix:
                return Target(route.service, path)
            target = Target(route.service, path[len(route.prefix):] or "/", route.prefix)
            return None if is_internal(target.path) else target
    return None


def is_internal(service_path: str) -> bool:
    """Any spelling a service, or anything in front of it, might take for an internal
    endpoint: whatever the case, with a trailing slash or more segments after it, with
    ``;params``, or with trailing dots or spaces. The services' own routing is stricter;
    this does not rely on it."""
    first = service_path.lstrip("/").split("/", 1)[0]
    name = re.split(r"[;?#]", first, maxsplit=1)[0].rstrip(". ").lower()
    return name in _INTERNAL_NAMES
