"""The scheduled commands run as the scheduler runs them (R-ACC-4, R-OPS-1)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATA_DIR=str(tmp_path), LOG_LEVEL="WARNING")
    return subprocess.run([sys.executable, "-m", "services.sso", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=True)


def test_tidy_records_and_rotate_keys_from_the_command_line(tmp_path) -> None:
    run(tmp_path, "migrate")
    tidied = json.loads(run(tmp_path, "tidy-records", "--days", "30").stdout)
    assert tidied["login_records"] == 0 and "password_changes" in tidied
    rotation = json.loads(run(tmp_path, "rotate-keys").stdout)
    # The first keys were just made: the next one is not published long enough to sign.
    assert rotation["promoted"] is None and rotation["waiting_seconds"] > 0


def test_digest_login_records_from_the_command_line(tmp_path) -> None:
    run(tmp_path, "migrate")
    digested = json.loads(run(tmp_path, "digest-login-records", "--batch", "10").stdout)
    assert digested == {"digested": 0, "changed_meanwhile": 0, "remaining": 0}


def test_outside_the_embedded_default_the_app_refuses_to_start_without_its_secrets(tmp_path) -> None:
    import pytest

    from servicekit.settings import MissingSecret, Settings
    from services.sso.app import create_app
    production = {"MODE": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'sso.sqlite3'}",
                  "TOKEN_ISSUER": "https://inservice.test", "JWKS_URL": "http://127.0.0.1:9/jwks.json"}
    with pytest.raises(MissingSecret):
        create_app(Settings.from_env("sso", production))
    secrets = {"SSO_KEY_ENCRYPTION_KEY": "k" * 40, "SSO_PAIRWISE_KEY": "p" * 40, "SSO_FORM_KEY": "f" * 40}
    assert create_app(Settings.from_env("sso", {**production, **secrets})).name == "sso"


def test_register_service_client_takes_the_secret_on_standard_input(tmp_path) -> None:
    """Issue 12 item 5: set-up registers transfer's own client with the secret transfer
    is configured with, never on the command line; again with it, nothing changes."""
    run(tmp_path, "migrate")
    env = dict(os.environ, DATA_DIR=str(tmp_path), LOG_LEVEL="WARNING")

    def register(stdin: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "services.sso", "register-service-client",
                               "transfer"], cwd=ROOT, env=env, input=stdin,
                              capture_output=True, text=True, timeout=60, check=False)

    first = register("x" * 40 + "\n")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["registered"] is True
    again = json.loads(register("x" * 40 + "\n").stdout)
    assert again["registered"] is False and again["secret_replaced"] is False
    nothing = register("")
    assert nothing.returncode != 0 and "standard input" in nothing.stderr
