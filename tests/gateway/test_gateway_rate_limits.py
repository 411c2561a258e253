"""R-GW-1: whose budget an anonymous request spends, and how big it is.

IPv4 clients are counted by address, IPv6 clients by their /64 (a device picks new
addresses inside it at will), an IPv4-mapped IPv6 address as the IPv4 address it is.
The anonymous limit is a flood guard sized so that a school of 200 teachers behind one
address signs in within one minute; a flood far beyond is refused with
429 ``urn:inservice:problem:rate-limited`` problem+json and a Retry-After.
"""
from __future__ import annotations

import time
from types import SimpleNamespace

import limits.storage.memory as memory_storage
import pytest

from gateway.ratelimit import address_key
from tests.gateway.sign_in_sequence import AROUND_A_SIGN_IN, SCHOOL, SIGN_IN

ANONYMOUS_3 = {"RATE_LIMIT_ANONYMOUS": "3/minute"}


@pytest.mark.parametrize("address, key", [
    ("198.51.100.7", "198.51.100.7"),
    ("10.0.0.1", "10.0.0.1"),
    ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
    ("2001:DB8:1:2:FFFF:FFFF:FFFF:FFFF", "2001:db8:1:2::/64"),
    ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
    ("::ffff:198.51.100.7", "198.51.100.7"),
    ("::FFFF:c633:6407", "198.51.100.7"),
    ("::1", "::/64"),
    ("unknown", "unknown"),
])
def test_the_key_of_an_address(address, key):
    assert address_key(address) == key


def from_address(gateway, address: str, path: str = "/api/courses/units", **kwargs):
    return gateway.get(path, environ_base={"REMOTE_ADDR": address}, **kwargs)


def test_ipv6_clients_share_the_budget_of_their_64(make_gateway, assert_problem):
    gateway = make_gateway(env=ANONYMOUS_3)
    statuses = [from_address(gateway, f"2001:db8:1:2::{index:x}").status_code
                for index in range(1, 4)]
    assert statuses == [200, 200, 200]
    assert_problem(from_address(gateway, "2001:db8:1:2:ffff:1234:5678:9abc"), 429, "rate-limited")
    assert from_address(gateway, "2001:db8:1:3::1").status_code == 200, \
        "the next /64 is another subscriber"


def test_ipv4_clients_are_counted_by_address_and_mapped_ones_with_them(make_gateway):
    gateway = make_gateway(env=ANONYMOUS_3)
    for address in ("198.51.100.7", "::ffff:198.51.100.7", "198.51.100.7"):
        assert from_address(gateway, address).status_code == 200
    assert from_address(gateway, "::ffff:198.51.100.7").status_code == 429, \
        "the IPv4-mapped spelling had a budget of its own"
    assert from_address(gateway, "198.51.100.8").status_code == 200, \
        "the next IPv4 address is another client"


def test_ipv6_clients_behind_the_ingress_are_counted_by_their_64(make_gateway):
    gateway = make_gateway(env={**ANONYMOUS_3, "TRUSTED_PROXIES": "127.0.0.1"})
    statuses = [gateway.get("/api/courses/units", headers={
        "X-Forwarded-For": f"2001:db8:aa:bb::{index}"}).status_code for index in range(1, 5)]
    assert statuses == [200, 200, 200, 429]


def test_a_school_of_200_signs_in_within_a_minute_and_a_flood_is_refused(
        make_gateway, assert_problem, monkeypatch):
    """With the default settings: every teacher's sign-in, and what comes around it, from
    one address in one minute is admitted; a flood far beyond from that address is not.
    The limiter's clock stands still in the middle of a minute: its windows are minutes
    of the clock, and a run that crossed into the next one had the school's requests
    weighed less, letting more of the flood through than a minute allows."""
    instant = time.time() // 60 * 60 + 30
    monkeypatch.setattr(memory_storage, "time", SimpleNamespace(time=lambda: instant))
    gateway = make_gateway(env={"LOG_LEVEL": "WARNING"})  # no rate limit set: the defaults
    school = "203.0.113.10"
    one_teacher = SIGN_IN + AROUND_A_SIGN_IN
    refused = []
    for teacher in range(SCHOOL):
        for method, path in one_teacher:
            response = gateway.open(path, method=method, environ_base={"REMOTE_ADDR": school})
            if response.status_code == 429:
                refused.append((teacher, method, path))
    assert not refused, f"{len(refused)} requests of the school refused, first {refused[0]}"

    # A flood: the same address goes on, well past what the school needed (2,000).
    flood = 0
    while flood < 5000:
        flood += 1
        response = gateway.get("/api/unknown", environ_base={"REMOTE_ADDR": school})
        if response.status_code == 429:
            break
    assert_problem(response, 429, "rate-limited")
    assert int(response.headers["Retry-After"]) >= 1
    assert flood <= 1100, f"{SCHOOL * len(one_teacher) + flood} requests in a minute admitted"
    assert from_address(gateway, "203.0.113.11").status_code == 200, "the neighbour paid for it"


def test_a_lost_limit_storage_lets_requests_through_and_is_said_once(caplog) -> None:
    """Issue 15, point 4: losing the shared counters (redis in production) must not stop
    the platform, nor write a line per request: one warning, then one when it is back."""
    from limits.errors import StorageError

    from gateway.ratelimit import RateLimits
    from servicekit import outage

    outage.forget_all()
    limits = RateLimits(anonymous="3/minute")
    working = limits._limiter.hit

    def unreachable(*_args, **_kwargs):
        raise StorageError(ConnectionError("redis: connection refused"))

    caplog.set_level("INFO", logger="servicekit.outage")
    limits._limiter.hit = unreachable
    for _ in range(10):  # over the limit of 3, yet let through: no Problem raised
        limits.hit(None, "198.51.100.7")
    limits._limiter.hit = working
    limits.hit(None, "198.51.100.7")
    assert [(r.levelname, r.getMessage().split(" after ")[0]) for r in caplog.records] == [
        ("WARNING", "lost the rate-limit-storage: letting requests through without a limit"),
        ("INFO", "the rate-limit-storage is back")]
