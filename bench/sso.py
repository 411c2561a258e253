"""Scenario ``sso``: the sign-on service as production runs it (gunicorn behind the
gateway, the issuer at the gateway's origin, argon2 with the configured parameters).

* ``full_flows_per_s``: whole authorization code flows with PKCE, as a partner site and a
  browser make them through the gateway — authorize, sign-in page, password (argon2),
  code, token exchange (id token and access token signed) — from ``FLOW_CLIENTS`` at once.
* ``session_flows_per_s``: the same with the provider's session already there (roaming on
  to the next partner: no password).
* ``authenticated_rps``: a trivial API endpoint (courses ``/healthz``) through the gateway
  with the platform client's bearer token, which the gateway verifies against the sso
  service's JWKS; ``unauthenticated_rps``, the ``gateway`` scenario's baseline (the same
  endpoint through the gateway without a token), measured in the same run, turn about.
  ``ratio = authenticated_rps / unauthenticated_rps``.

Accounts are put straight into the sso service's replica (the accounts service is not
part of this measurement). ``python -m bench sso``, or ``python -m bench.sso``.
"""
from __future__ import annotations

import http.client
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from bench import http_load
from bench.gateway import STARTUP_TIMEOUT, UNLIMITED, WEB_THREADS, WEB_WORKERS, _wait_answering
from bench.processes import REPO_ROOT, running
from bench.results import load_average, write_result
from servicekit.testing.processes import free_port

FLOW_CLIENTS = 4
FLOW_S = 10
SESSION_FLOW_S = 5
ROUNDS, ROUND_S, WARM_UP_S = 2, 5, 2
PARTNER, PARTNER_SECRET = "bench-partner", "bench-partner-secret"
PARTNER_REDIRECT = "http://127.0.0.1:9/bench/callback"
_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def run() -> dict[str, Any]:
    load_at_start = load_average()
    with tempfile.TemporaryDirectory(prefix="bench-sso-") as data_dir:
        ports = {name: free_port() for name in ("sso", "courses", "gateway")}
        gateway_url = f"http://127.0.0.1:{ports['gateway']}"
        common = {"WEB_WORKERS": WEB_WORKERS, "WEB_THREADS": WEB_THREADS, "LOG_LEVEL": "WARNING",
                  "DATA_DIR": data_dir, "TOKEN_ISSUER": gateway_url}
        sso_env = {**common, "SSO_HTTP_PORT": str(ports["sso"])}
        courses_env = {**common, "COURSES_HTTP_PORT": str(ports["courses"])}
        gateway_env = {**common, "GATEWAY_HTTP_PORT": str(ports["gateway"]),
                       "GATEWAY_SSO_URL": f"http://127.0.0.1:{ports['sso']}",
                       "GATEWAY_COURSES_URL": f"http://127.0.0.1:{ports['courses']}",
                       "GATEWAY_RATE_LIMIT_ANONYMOUS": UNLIMITED,
                       "GATEWAY_RATE_LIMIT_AUTHENTICATED": UNLIMITED}
        logins = _seed(sso_env, gateway_url)
        with running(["-m", "services.sso", "web"], sso_env) as sso, \
                running(["-m", "services.courses", "web"], courses_env) as courses, \
                running(["-m", "gateway", "web"], gateway_env) as gateway:
            for url, server in ((f"http://127.0.0.1:{ports['sso']}/healthz", sso),
                                (f"http://127.0.0.1:{ports['courses']}/healthz", courses),
                                (gateway_url + "/.well-known/openid-configuration", gateway)):
                _wait_answering(url, server)
            _flows(gateway_url, logins, 2, with_session=False)  # warm every worker
            full = _flows(gateway_url, logins, FLOW_S, with_session=False)
            session = _flows(gateway_url, logins, SESSION_FLOW_S, with_session=True)
            for server in (sso, courses, gateway):
                server.check_alive()
            token = _platform_token(gateway_url, logins[0])
            api_url = gateway_url + "/api/courses/healthz"
            bearer = {"Authorization": f"Bearer {token}"}
            for headers in ({}, bearer):
                _measure(api_url, WARM_UP_S, headers)
            rounds = [(_measure(api_url, ROUND_S, {}), _measure(api_url, ROUND_S, bearer))
                      for _ in range(ROUNDS)]
            for server in (courses, gateway):
                server.check_alive()
    plain = _combined([p for p, _ in rounds])
    authenticated = _combined([a for _, a in rounds])
    figures = {
        "figure": "full_flows_per_s", "full_flows_per_s": round(full["per_s"], 1),
        "session_flows_per_s": round(session["per_s"], 1),
        "authenticated_rps": round(authenticated["rps"], 1),
        "baseline": "unauthenticated_rps", "unauthenticated_rps": round(plain["rps"], 1),
        "ratio": round(authenticated["rps"] / plain["rps"], 3),
        "goal": "none yet",
        "errors": {"full_flows": full["errors"], "session_flows": session["errors"],
                   "authenticated": authenticated["errors"], "unauthenticated": plain["errors"]},
        "completed": {"full_flows": full["done"], "session_flows": session["done"]},
    }
    parameters = {
        "load_generator": http_load.tool(), "flow_clients": FLOW_CLIENTS, "flow_s": FLOW_S,
        "session_flow_s": SESSION_FLOW_S, "rounds": ROUNDS, "round_s": ROUND_S,
        "connections": http_load.CONNECTIONS, "web_workers": int(WEB_WORKERS),
        "web_threads": int(WEB_THREADS), "argon2": "the configured parameters (defaults)",
        "api_path": "/api/courses/healthz",
    }
    result = write_result("sso", figures, parameters, load_at_start)
    print(f"sso: {result['full_flows_per_s']:.1f} full code flows/s "
          f"({result['session_flows_per_s']:.1f}/s with a session); "
          f"{result['authenticated_rps']:,.0f} req/s with a token through the gateway, "
          f"{result['unauthenticated_rps']:,.0f} without, ratio {result['ratio']:.2f} "
          f"({http_load.tool()}, {http_load.CONNECTIONS} connections)")
    return result


def _seed(env: dict[str, str], gateway_url: str) -> list[tuple[str, str]]:
    """Migrated database, signing keys, the partner, the web client, and one teacher per
    flow client (each with its own password, so no lockout counter is shared)."""
    subprocess.run([sys.executable, "-c", _SEED_SCRIPT, gateway_url, PARTNER, PARTNER_SECRET,
                    PARTNER_REDIRECT, str(FLOW_CLIENTS)], check=True, timeout=STARTUP_TIMEOUT * 4,
                   cwd=REPO_ROOT, env={**os.environ, **env, "PYTHONPATH": str(REPO_ROOT)})
    return [(f"bench{n:02d}", f"bench-password-{n:02d}") for n in range(FLOW_CLIENTS)]


# Run in a process of its own with the services' settings: nothing of the service lives on
# in the measuring process.
_SEED_SCRIPT = """
import sys, uuid
from servicekit.cli import migrate
from servicekit.service import Runtime
from servicekit.settings import Settings
from services.sso.bootstrap import DEFINITION
from services.sso.domain.clients import ENABLED, FIRST_PARTY, Client
from services.sso.handlers.credentials import set_passwords
from services.sso.handlers.replica import apply_account

gateway, partner, secret, redirect, count = sys.argv[1:]
runtime = Runtime(DEFINITION, Settings.from_env("sso"))
migrate(runtime)
sso = runtime.components
sso.keys.ensure()
sso.partners.register(Client(client_id=partner, name="Bench partner", status=ENABLED,
                              redirect_uris=(redirect,), allowed_scopes=("openid", "profile")),
                  by="bench", secret=secret)
sso.partners.register(Client(client_id="web", name="Web", kind=FIRST_PARTY, status=ENABLED,
                              redirect_uris=(gateway + "/auth/callback",), auth_method="none",
                              allowed_scopes=("openid",)), by="bench")
hashes = {}
with sso.unit_of_work() as uow:
    for n in range(int(count)):
        account_id = str(uuid.uuid4())
        apply_account(uow, sso.clock, sso.sign_out, {
            "account_id": account_id, "login": f"bench{n:02d}", "kind": "teacher",
            "status": "enabled", "display_name": f"Bench {n}", "version": 1})
        hashes[account_id] = sso.passwords.hash(f"bench-password-{n:02d}")
set_passwords(sso.unit_of_work(), sso.clock, hashes, method="setup")
runtime.database.dispose()
"""


# -- code flows ------------------------------------------------------------------------------
def _flows(gateway_url: str, logins: list[tuple[str, str]], seconds: float,
           with_session: bool) -> dict[str, float]:
    done, errors = [0] * len(logins), [0] * len(logins)
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        login, password = logins[index]
        browser = requests.Session()
        if with_session:
            _one_flow(gateway_url, browser, login, password)
        while time.monotonic() < deadline:
            try:
                if not with_session:
                    browser = requests.Session()
                _one_flow(gateway_url, browser, login, password)
                done[index] += 1
            except (requests.RequestException, AssertionError, KeyError):
                errors[index] += 1

    started = time.monotonic()
    _in_threads(client, len(logins))
    elapsed = time.monotonic() - started
    return {"per_s": sum(done) / elapsed, "done": sum(done), "errors": sum(errors)}


def _one_flow(gateway_url: str, browser: requests.Session, login: str, password: str) -> None:
    partner = OAuth2Session(PARTNER, PARTNER_SECRET, scope="openid profile",
                            redirect_uri=PARTNER_REDIRECT, code_challenge_method="S256")
    verifier = generate_token(48)
    url, _ = partner.create_authorization_url(gateway_url + "/oauth/authorize",
                                              code_verifier=verifier, nonce=generate_token(12))
    answer = browser.get(url, allow_redirects=False, timeout=30)
    location = answer.headers["Location"]
    if not location.startswith(PARTNER_REDIRECT):  # to the sign-in page first
        page = browser.get(location, allow_redirects=False, timeout=30)
        answer = browser.post(gateway_url + "/login", allow_redirects=False, timeout=30,
                              data={**dict(_HIDDEN.findall(page.text)), "username": login,
                                    "password": password})
        location = answer.headers["Location"]
    assert location.startswith(PARTNER_REDIRECT), location
    token = partner.fetch_token(gateway_url + "/oauth/token", authorization_response=location,
                                code_verifier=verifier, timeout=30)
    assert token["id_token"] and token["access_token"]


def _platform_token(gateway_url: str, login: tuple[str, str]) -> str:
    web = OAuth2Session("web", scope="openid", redirect_uri=gateway_url + "/auth/callback",
                        code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = generate_token(48)
    url, _ = web.create_authorization_url(gateway_url + "/oauth/authorize", code_verifier=verifier)
    browser = requests.Session()
    page = browser.get(browser.get(url, allow_redirects=False).headers["Location"])
    answer = browser.post(gateway_url + "/login", allow_redirects=False, data={
        **dict(_HIDDEN.findall(page.text)), "username": login[0], "password": login[1]})
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    return web.fetch_token(gateway_url + "/oauth/token", code=code, code_verifier=verifier)["access_token"]


def _in_threads(work: Callable[[int], None], count: int) -> None:
    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# -- keep-alive load with a header (bench.http_load takes none) -----------------------------------
def _measure(url: str, seconds: float, headers: dict[str, str]) -> dict[str, float]:
    if http_load.tool() == "wrk":
        args = ["wrk", f"-t{http_load.WRK_THREADS}", f"-c{http_load.CONNECTIONS}", f"-d{int(seconds)}s"]
        for name, value in headers.items():
            args += ["-H", f"{name}: {value}"]
        output = subprocess.run([*args, url], check=True, capture_output=True, text=True,
                                timeout=seconds + 30).stdout
        total = int(re.search(r"(\d+) requests in", output).group(1))
        elapsed = http_load._wrk_seconds(re.search(r"requests in ([\d.]+)(\w+),", output))
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                                  r"timeout (\d+)", output)
        refused = int(non_2xx.group(1)) if non_2xx else 0
        broken = sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
        return http_load._figures(total - refused, refused + broken, elapsed)
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(http_load.CONNECTIONS) as pool:
        counts = pool.starmap(_keep_asking, [(url, seconds, headers)] * http_load.CONNECTIONS)
    return http_load._figures(sum(c[0] for c in counts), sum(c[1] for c in counts),
                              max(c[2] for c in counts))


def _keep_asking(url: str, seconds: float, headers: dict[str, str]) -> tuple[int, int, float]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    ok = errors = 0
    started = time.monotonic()
    while time.monotonic() < started + seconds:
        try:
            connection.request("GET", parts.path, headers=headers)
            response = connection.getresponse()
            response.read()
            ok, errors = (ok + 1, errors) if 200 <= response.status < 300 else (ok, errors + 1)
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
    connection.close()
    return ok, errors, time.monotonic() - started


def _combined(rounds: list[dict[str, float]]) -> dict[str, float]:
    totals = {key: sum(r[key] for r in rounds) for key in ("ok", "errors", "seconds")}
    return {**totals, "rps": totals["ok"] / totals["seconds"]}


if __name__ == "__main__":
    run()
