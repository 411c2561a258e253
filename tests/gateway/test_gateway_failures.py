"""R-GW-1: a service that is down or hangs gives a prompt problem+json, never a hang.

A failure shows the status the client got, or how long it waited."""
from __future__ import annotations

import time


def test_a_down_service_is_503_within_two_seconds(make_gateway, closed_url, assert_problem):
    """R-GW-1: connection refused → 503 service-unavailable naming the service."""
    gateway = make_gateway(courses=closed_url)
    started = time.monotonic()
    response = gateway.get("/api/courses/units")
    elapsed = time.monotonic() - started
    assert_problem(response, 503, "service-unavailable")
    assert response.json["service"] == "courses"
    assert "courses" in response.json["detail"]
    assert elapsed < 2, f"the client waited {elapsed:.1f} s for a service that is down"


def test_a_service_that_never_accepts_is_503_after_the_connect_timeout(
        make_gateway, unanswering_url, assert_problem):
    """R-GW-1: a connect that never completes gives up after about a second."""
    gateway = make_gateway(stats=unanswering_url)
    started = time.monotonic()
    response = gateway.get("/api/stats/summary")
    elapsed = time.monotonic() - started
    assert_problem(response, 503, "service-unavailable")
    assert elapsed < 2, f"the client waited {elapsed:.1f} s for a connect"


def test_a_hung_service_is_504_within_the_configured_timeout(make_gateway, services,
                                                             assert_problem):
    """R-GW-1: UPSTREAM_TIMEOUT bounds the wait for the answer → 504 gateway-timeout."""
    gateway = make_gateway(env={"UPSTREAM_TIMEOUT": "0.3"})
    started = time.monotonic()
    response = gateway.get("/api/courses/slow")
    elapsed = time.monotonic() - started
    assert_problem(response, 504, "gateway-timeout")
    assert response.json["service"] == "courses"
    assert elapsed < services["courses"].slow_seconds - 0.5, \
        f"the gateway waited {elapsed:.1f} s, not 0.3 s"
    assert services["courses"].calls_to("/slow"), "the request never reached the service"


def test_other_services_are_unaffected_by_one_that_is_down(make_gateway, closed_url):
    """R-GW-1: services are independent behind the gateway."""
    gateway = make_gateway(courses=closed_url)
    assert gateway.get("/api/courses/units").status_code == 503
    assert gateway.get("/api/accounts/me").status_code == 200
