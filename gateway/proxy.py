"""Forwarding to the services over one pooled HTTP session per process."""
from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import DefaultCookiePolicy
from typing import Iterable, Iterator, Mapping
from urllib.parse import quote

import requests
from flask import Request, Response
from prometheus_client import Histogram
from requests.adapters import HTTPAdapter

from gateway.routes import Target
from servicekit.problems import Problem

log = logging.getLogger("gateway.proxy")

CONNECT_TIMEOUT = 1.0  # a service that does not accept within a second is down
CHUNK_SIZE = 64 * 1024
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                        "proxy-connection", "te", "trailer", "trailers", "transfer-encoding",
                        "upgrade"})
# Whatever a client sent under these names, the gateway states them itself.
_SET_BY_GATEWAY = frozenset({"host", "content-length", "x-request-id", "forwarded",
                             "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
                             "x-forwarded-prefix"})
# The serving gateway adds its own Date and Server; CORS is answered by the gateway alone.
_REPLACED_IN_RESPONSE = frozenset({"date", "server"})

UPSTREAM_LATENCY = Histogram(
    "gateway_upstream_duration_seconds",
    "Time until a service's response headers arrive, by service and outcome",
    ["service", "outcome"])


class Upstreams:
    def __init__(self, service_urls: Mapping[str, str], read_timeout: float = 10.0,
                 pool_size: int = 32) -> None:
        self._urls = {service: url.rstrip("/") for service, url in service_urls.items()}
        self._read_timeout = read_timeout
        self._pool_size = pool_size
        self._session: requests.Session | None = None
        self._session_pid: int | None = None
        self._lock = threading.Lock()

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(self._urls)

    def knows(self, service: str) -> bool:
        return service in self._urls

    @property
    def session(self) -> requests.Session:
        # Made on first use in each process: pooled sockets must not be shared over a fork.
        if self._session is None or self._session_pid != os.getpid():
            with self._lock:
                if self._session is None or self._session_pid != os.getpid():
                    self._session = _new_session(self._pool_size)
                    self._session_pid = os.getpid()
        return self._session

    def close(self) -> None:
        if self._session is not None and self._session_pid == os.getpid():
            self._session.close()
        self._session = None

    def forward(self, request: Request, target: Target, headers: Mapping[str, str]) -> Response:
        """``headers``: what the gateway states itself (request id, X-Forwarded-*)."""
        url = self._urls[target.service] + quote(target.path, safe="/:@!$&'()*+,;=-._~")
        if request.query_string:
            url += "?" + request.query_string.decode("latin-1")
        outgoing = dict(_end_to_end(request.headers.items(), also_dropped=_SET_BY_GATEWAY))
        outgoing.update(headers)
        if target.stripped_prefix:
            outgoing["X-Forwarded-Prefix"] = target.stripped_prefix
        started = time.perf_counter()
        try:
            upstream = self.session.request(
                request.method, url, headers=outgoing, data=_request_body(request),
                stream=True, allow_redirects=False,
                timeout=(CONNECT_TIMEOUT, self._read_timeout))
        except requests.ReadTimeout:
            _observe(target.service, "timeout", started)
            raise Problem(504, "gateway-timeout", "Gateway timeout",
                          f"The {target.service} service did not answer in time.",
                          service=target.service) from None
        except requests.ConnectionError:  # refused, unreachable, connect timeout
            _observe(target.service, "unavailable", started)
            raise Problem(503, "service-unavailable", "Service unavailable",
                          f"The {target.service} service is not available.",
                          service=target.service) from None
        except requests.RequestException:
            _observe(target.service, "error", started)
            log.exception("cannot forward", extra={"service": target.service})
            raise Problem(502, "bad-gateway", "Bad gateway",
                          f"The {target.service} service's answer could not be read.",
                          service=target.service) from None
        _observe(target.service, f"{upstream.status_code // 100}xx", started)
        if upstream.is_redirect:
            # requests reads a redirect's body itself (decoded) even with allow_redirects
            # off; the socket holds nothing more, so send what it read, re-measured.
            body = upstream.content or b""
            upstream.close()
            response = Response(body, status=upstream.status_code, headers=_end_to_end(
                upstream.raw.headers.iteritems(),
                also_dropped=_REPLACED_IN_RESPONSE | {"content-length", "content-encoding"}))
            if "content-type" not in upstream.headers:
                del response.headers["Content-Type"]
            return response
        # raw.headers keeps repeated headers (Set-Cookie) apart; .headers would join them.
        response = Response(_streamed(upstream, target.service), status=upstream.status_code,
                            headers=_end_to_end(upstream.raw.headers.iteritems(),
                                                also_dropped=_REPLACED_IN_RESPONSE),
                            direct_passthrough=True)
        response.call_on_close(upstream.close)  # also when the body is never iterated
        if "content-type" not in upstream.headers:  # werkzeug's default is not the service's
            del response.headers["Content-Type"]
        return response

    def fetch_all(self, path: str, timeout: float,
                  headers: Mapping[str, str] | None = None) -> dict[str, requests.Response | None]:
        """GET ``path`` from every service at once; None for a service that does not answer."""
        def fetch(service: str) -> requests.Response | None:
            try:
                return self.session.get(self._urls[service] + path, headers=dict(headers or {}),
                                        timeout=(min(CONNECT_TIMEOUT, timeout), timeout),
                                        allow_redirects=False)
            except requests.RequestException:
                return None

        with ThreadPoolExecutor(max_workers=max(1, len(self._urls))) as pool:
            return dict(zip(self._urls, pool.map(fetch, self._urls)))


def _new_session(pool_size: int) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy or .netrc credentials from the environment
    session.headers.clear()  # only what the client sent, no default Accept-Encoding
    # A shared jar would hand one user's cookies to the next.
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    adapter = HTTPAdapter(pool_connections=8, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _end_to_end(items: Iterable[tuple[str, str]],
                also_dropped: frozenset[str]) -> list[tuple[str, str]]:
    """The headers meant for the other end: hop-by-hop ones (and those that Connection
    names) belong to one connection only."""
    items = list(items)
    named_in_connection = {token.strip().lower() for name, value in items
                           if name.lower() == "connection" for token in value.split(",")}
    dropped = HOP_BY_HOP | also_dropped | named_in_connection
    return [(name, value) for name, value in items
            if name.lower() not in dropped and not name.lower().startswith("access-control-")]


class _SizedBody:
    """Streams the client's body up; the length makes requests send Content-Length."""

    def __init__(self, stream, length: int) -> None:
        self._stream = stream
        self._length = length

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    def __iter__(self) -> Iterator[bytes]:
        return iter(lambda: self._stream.read(CHUNK_SIZE), b"")


def _request_body(request: Request):
    if request.content_length:
        return _SizedBody(request.stream, request.content_length)
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        return iter(lambda: request.stream.read(CHUNK_SIZE), b"")
    return None


def _streamed(upstream: requests.Response, service: str) -> Iterator[bytes]:
    # Raw bytes as sent: Content-Encoding and Content-Length stay true.
    try:
        yield from upstream.raw.stream(CHUNK_SIZE, decode_content=False)
    except Exception:
        log.warning("response from a service broke off", extra={"service": service})
        raise  # the client must see a broken response, not a short one that looks whole
    finally:
        upstream.close()


def _observe(service: str, outcome: str, started: float) -> None:
    UPSTREAM_LATENCY.labels(service, outcome).observe(time.perf_counter() - started)
