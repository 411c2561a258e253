"""The first operator on the embedded default as an operator meets it (issue 15 item 1;
R-OPS-3): the commands are processes of their own beside ``make up``'s one process, whose
bus is in its memory. The account made while the platform is stopped waits in the accounts
outbox and reaches sso when it starts; made while it runs, it arrives within seconds. The
link goes through the gateway, like every page a person opens."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from servicekit.settings import SERVICE_PORTS
from servicekit.testing.processes import free_port, wait_until_ok

ROOT = Path(__file__).resolve().parents[2]
# make up and the command line as processes, over HTTP.
pytestmark = pytest.mark.e2e
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=False, timeout=120)


def link_printed(stdout: str) -> str:
    return json.loads(stdout.strip().splitlines()[-1])["link"]


def set_password_and_sign_in(gateway: str, link: str, login: str, password: str) -> str:
    browser = requests.Session()
    page = browser.get(link, timeout=10)
    assert page.status_code == 200, page.text[:300]
    done = browser.post(gateway + "/login/setup", timeout=10, allow_redirects=False,
                        data={**dict(HIDDEN.findall(page.text)), "password": password,
                              "again": password})
    assert done.status_code == 200 and "密碼已設定" in done.text
    assert browser.get(link, timeout=10).status_code == 400  # once
    form = browser.get(gateway + "/login", timeout=10)
    signed_in = browser.post(gateway + "/login", timeout=10, allow_redirects=False,
                             data={**dict(HIDDEN.findall(form.text)), "username": login,
                                   "password": password})
    return signed_in.text


def test_the_first_operator_beside_make_up_stopped_then_running(tmp_path) -> None:
    ports = {name: free_port() for name in SERVICE_PORTS}
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    env = dict(os.environ, DATA_DIR=str(tmp_path), LOG_LEVEL="WARNING", DEMO_DATA="0",
               PUBLIC_URL=gateway, SSO_ARGON2_TIME_COST="1", SSO_ARGON2_MEMORY_KIB="1024",
               SSO_ARGON2_PARALLELISM="1")
    for name, port in ports.items():
        env[f"{name.upper()}_HTTP_PORT"] = str(port)
        if name != "gateway":
            env[f"{name.upper()}_URL"] = f"http://127.0.0.1:{port}"

    # The platform is not running: the account is made, its link cannot be yet.
    stopped = command(env, "launcher.first_operator", "ops.chen", "--name", "陳維運",
                      "--email", "ops.chen@moe.example.tw", "--by", "alice", "--wait", "2")
    assert stopped.returncode == 1, stopped.stderr
    assert '"login": "ops.chen"' in stopped.stdout
    assert "python -m services.sso operator-setup-link ops.chen" in stopped.stderr

    up = subprocess.Popen([sys.executable, "-m", "launcher"], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_ok(f"{gateway}/healthz", 60, up)
        printed = command(env, "services.sso", "operator-setup-link", "ops.chen", "--wait", "30")
        assert printed.returncode == 0, printed.stderr
        link = link_printed(printed.stdout)
        assert link.startswith(gateway + "/login/setup?token=")
        assert "您已登入" in set_password_and_sign_in(gateway, link, "ops.chen", "a long operator secret")

        # Running: a second operator only when asked for explicitly, then at once.
        refused = command(env, "launcher.first_operator", "ops.lin", "--name", "林維運",
                          "--email", "ops.lin@moe.example.tw")
        assert refused.returncode == 1
        assert "urn:inservice:problem:operator-exists" in refused.stderr
        another = command(env, "launcher.first_operator", "ops.lin", "--name", "林維運",
                          "--email", "ops.lin@moe.example.tw", "--another", "--wait", "30")
        assert another.returncode == 0, another.stderr
        assert "您已登入" in set_password_and_sign_in(gateway, link_printed(another.stdout),
                                                    "ops.lin", "another long secret")
    finally:
        up.send_signal(signal.SIGINT)
        output, _ = up.communicate(timeout=30)
    assert up.returncode == 0, output
    assert "Traceback" not in output
