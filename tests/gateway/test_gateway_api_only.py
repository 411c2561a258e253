"""Issue 14, R-GW-1, R-WEB-1: the web client's own gateway (``API_ONLY=true``) serves the
API and never hands a page back to the web client.

A page holds a thread of the public gateway while the web client calls the API for it;
those calls go through a gateway of their own. Were that gateway to forward a page, a page
could again wait on a thread that its own calls need."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.app import create_app
from gateway.routes import resolve
from servicekit.settings import InvalidSetting, Settings
from servicekit.testing.tokens import TokenSigner
from tests.gateway.conftest import AUDIENCE, ISSUER, FakeService

PAGES = ("/", "/courses", "/courses/2026-000001", "/static/site.css", "/auth/callback")


@pytest.fixture
def web_client(signer: TokenSigner) -> Iterator[FakeService]:
    web = FakeService("web", signer)
    yield web
    web.stop()


@pytest.mark.parametrize("page", PAGES)
def test_the_api_only_gateway_answers_a_page_as_unknown(make_gateway, web_client, page,
                                                        assert_problem):
    assert resolve(page).service == "web"  # a page, on the public gateway
    gateway = make_gateway(env={"API_ONLY": "true"}, web=web_client.url)
    assert_problem(gateway.get(page), 404, "not-found")
    assert not web_client.calls, "a page went back to the web client"


def test_the_public_gateway_forwards_the_same_page(make_gateway, web_client):
    gateway = make_gateway(web=web_client.url)
    response = gateway.get("/courses")
    assert response.status_code == 200 and response.headers["X-Upstream"] == "web"
    assert [call["path"] for call in web_client.calls] == ["/courses"]


def test_the_api_only_gateway_serves_the_api_and_the_sign_in(make_gateway, web_client,
                                                             services):
    """What the web client calls: each service's API and the sso's token endpoint."""
    gateway = make_gateway(env={"API_ONLY": "true"}, web=web_client.url)
    assert gateway.get("/api/courses/units").headers["X-Upstream"] == "courses"
    assert gateway.post("/oauth/token", data={"grant_type": "x"}).headers["X-Upstream"] == "sso"
    assert [call["path"] for call in services["courses"].calls] == ["/units"]


def test_the_api_only_gateway_reports_on_the_services_alone(make_gateway, web_client):
    report = make_gateway(env={"API_ONLY": "true"}, web=web_client.url).get("/healthz").json
    assert "web" not in report["services"] and report["status"] == "ok", report
    public = make_gateway(web=web_client.url).get("/healthz").json
    assert public["services"]["web"] == "ok"


@pytest.mark.parametrize("value", ["yes", "1", "api"])
def test_api_only_is_true_or_false(value, services):
    environ = {"TOKEN_ISSUER": ISSUER, "TOKEN_AUDIENCE": AUDIENCE, "GATEWAY_API_ONLY": value,
               "JWKS_URL": services["sso"].url + "/jwks.json"}
    with pytest.raises(InvalidSetting, match="API_ONLY"):
        create_app(Settings.from_env("gateway", environ=environ))
