"""The key-encryption key rotates (R-SSO-1: signing keys sealed at rest; R-SSO-4: county
credentials sealed): with the old secret retired, every sealed value still opens — tokens
sign and verify, county credentials open — ``reseal-secrets`` moves them all to the new
key, and once the old secret is dropped everything still works. A value no configured key
opens is reported by id, not a crash."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select, update

from servicekit.tokens import JwksKeySource, TokenVerifier
from services.sso.adapters.sealing import Sealer, UnknownSealingKey
from services.sso.adapters.tables.county import county_connectors
from services.sso.adapters.tables.keys import signing_keys
from services.sso.handlers.county_connectors import configure, secret_of
from services.sso.handlers.key_rotation import reseal_secrets

ROOT = Path(__file__).resolve().parents[2]
KEY_A = "test-key-encryption-key-A-" * 2
KEY_B = "test-key-encryption-key-B-" * 2
KEY_UNKNOWN = "test-key-encryption-key-never-configured-" * 2
# The same service before and after the change: only the key-encryption keys differ.
SAME = {"SSO_PAIRWISE_KEY": "test-pairwise-key-" * 3, "SSO_FORM_KEY": "test-form-key-" * 3}
WEB_SERVICE = {"endpoint": "http://127.0.0.1:9/auth", "adapter": "json-v1"}
CREDENTIALS = {"TPE": "tpe-county-api-key", "KHH": "khh-county-api-key",
               "NWT": "nwt-upstream-client-secret"}


def legacy_seal(secret: str, plaintext: bytes, purpose: str) -> str:
    """A value as sealed before key ids existed (format v1: no key id)."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"inservice-sso sealing v1").derive(secret.encode())
    nonce = os.urandom(12)
    text = [base64.urlsafe_b64encode(part).rstrip(b"=").decode()
            for part in (nonce, AESGCM(key).encrypt(nonce, plaintext, purpose.encode()))]
    return "v1." + ".".join(text)


def sealed_values(sso) -> dict[str, str]:
    with sso.dependencies.database.session() as session:
        keys = session.execute(select(signing_keys.c.kid, signing_keys.c.private_sealed)).all()
        counties = session.execute(select(county_connectors.c.county_code,
                                          county_connectors.c.secret_sealed)).all()
    return {**{f"signing-key:{kid}": sealed for kid, sealed in keys},
            **{f"county:{code}": sealed for code, sealed in counties if sealed}}


def before_the_change(make_sso, database_url: str, key: str = KEY_A):
    """sso under ``key``: its signing keys, three county credentials, one of them and the
    next signing key sealed in the old v1 format."""
    old = make_sso(DATABASE_URL=database_url, SSO_KEY_ENCRYPTION_KEY=key, **SAME)
    old.dependencies.keys.ensure()
    for county, credential in CREDENTIALS.items():
        mode, config = ("oidc", {"issuer": "http://127.0.0.1:9", "client_id": "inservice"}) \
            if county == "NWT" else ("web_service", WEB_SERVICE)
        d = old.dependencies
        configure(d.unit_of_work(), d.clock, d.sealer, county, mode, f"{county} 帳號", config,
                  credential, True)
    with old.dependencies.database.session() as session:
        session.execute(update(county_connectors).where(county_connectors.c.county_code == "KHH")
                        .values(secret_sealed=legacy_seal(key, b"khh-county-api-key", "county:KHH")))
        kid, sealed = session.execute(select(signing_keys.c.kid, signing_keys.c.private_sealed)
                                      .where(signing_keys.c.state == "next")).one()
        pem = old.dependencies.sealer.open(sealed, f"signing-key:{kid}")
        session.execute(update(signing_keys).where(signing_keys.c.kid == kid).values(
            private_sealed=legacy_seal(key, pem, f"signing-key:{kid}")))
    return old


def token_of(sso) -> str:
    return sso.token_for("op-1", "operator")


def verified_over_jwks(sso, token: str, issuer: str | None = None) -> str:
    """The token checked as the gateway checks it: the strict verifier on the JWKS."""
    verifier = TokenVerifier(issuer or sso.url, "inservice-api", JwksKeySource(sso.url + "/jwks.json"))
    return verifier.verify(token).subject


def test_the_sealer_names_its_key_and_still_opens_v1_values_by_trying_each_key() -> None:
    old, rotated = Sealer(KEY_A), Sealer(KEY_B, (KEY_A,))
    sealed = old.seal(b"secret", "county:TPE")
    assert sealed.startswith(f"v2.{old.current_key_id}.") and old.is_current(sealed)
    assert rotated.current_key_id != old.current_key_id and not rotated.is_current(sealed)
    assert rotated.open(sealed, "county:TPE") == b"secret"
    assert rotated.is_current(rotated.reseal(sealed, "county:TPE"))
    legacy = legacy_seal(KEY_A, b"secret", "county:TPE")
    assert old.open(legacy, "county:TPE") == rotated.open(legacy, "county:TPE") == b"secret"
    with pytest.raises(UnknownSealingKey):
        Sealer(KEY_B).open(sealed, "county:TPE")
    with pytest.raises(UnknownSealingKey):
        Sealer(KEY_B).open(legacy, "county:TPE")
    with pytest.raises(ValueError):  # moved to another row, it does not open
        rotated.open(sealed, "county:KHH")
    with pytest.raises(ValueError):
        rotated.open("v3.abc.def", "county:TPE")


def test_after_the_key_changes_everything_opens_is_resealed_and_works_without_the_old_key(make_sso, tmp_path) -> None:
    database = f"sqlite:///{tmp_path / 'sso-rotated.sqlite3'}"
    old = before_the_change(make_sso, database)
    issued_before = token_of(old)
    sealed_before = sealed_values(old)

    rotated = make_sso(DATABASE_URL=database, SSO_KEY_ENCRYPTION_KEY=KEY_B,
                       SSO_RETIRED_KEY_ENCRYPTION_KEYS=KEY_A, **SAME)
    assert verified_over_jwks(rotated, token_of(rotated)) == "op-1"
    assert verified_over_jwks(rotated, issued_before, issuer=old.url) == "op-1"
    assert {c: secret_of(rotated.dependencies.unit_of_work(),
                                      rotated.dependencies.sealer, c) for c in CREDENTIALS} == CREDENTIALS

    result = reseal_secrets(rotated.dependencies.sealed_secrets, rotated.dependencies.sealer, batch_size=2)
    assert result["current_key_id"] == rotated.dependencies.sealer.current_key_id
    assert result["signing_keys"] == {"already_current": 0, "resealed": 2, "changed_meanwhile": 0,
                                      "unreadable": 0, "unreadable_ids": [], "remaining": 0}
    assert result["county_credentials"] == {"already_current": 0, "resealed": 3,
                                            "changed_meanwhile": 0, "unreadable": 0,
                                            "unreadable_ids": [], "remaining": 0}
    resealed = sealed_values(rotated)
    assert resealed.keys() == sealed_before.keys()
    assert all(rotated.dependencies.sealer.is_current(value) for value in resealed.values())
    again = reseal_secrets(rotated.dependencies.sealed_secrets, rotated.dependencies.sealer)
    assert again["signing_keys"]["resealed"] == again["county_credentials"]["resealed"] == 0
    assert (again["signing_keys"]["already_current"], again["county_credentials"]["already_current"]) == (2, 3)
    assert sealed_values(rotated) == resealed

    dropped = make_sso(DATABASE_URL=database, SSO_KEY_ENCRYPTION_KEY=KEY_B, **SAME)
    assert verified_over_jwks(dropped, token_of(dropped)) == "op-1"
    assert {c: secret_of(dropped.dependencies.unit_of_work(),
                                      dropped.dependencies.sealer, c) for c in CREDENTIALS} == CREDENTIALS
    for purpose, value in resealed.items():
        if purpose.startswith("signing-key:"):  # the next key too, once sealed in v1
            assert b"PRIVATE KEY" in dropped.dependencies.sealer.open(value, purpose)
    for purpose, value in sealed_before.items():  # what was there before needed resealing
        with pytest.raises(UnknownSealingKey):
            dropped.dependencies.sealer.open(value, purpose)


def test_values_no_configured_key_opens_are_named_and_left_alone(make_sso, tmp_path) -> None:
    database = f"sqlite:///{tmp_path / 'sso-lost.sqlite3'}"
    old = before_the_change(make_sso, database, key=KEY_UNKNOWN)
    before = sealed_values(old)
    with old.dependencies.database.session() as session:
        kids = sorted(session.scalars(select(signing_keys.c.kid)))
    rotated = make_sso(DATABASE_URL=database, SSO_KEY_ENCRYPTION_KEY=KEY_B,
                       SSO_RETIRED_KEY_ENCRYPTION_KEYS=KEY_A, **SAME)
    result = reseal_secrets(rotated.dependencies.sealed_secrets, rotated.dependencies.sealer, batch_size=1)
    assert result["signing_keys"]["unreadable_ids"] == kids
    assert result["county_credentials"]["unreadable_ids"] == sorted(CREDENTIALS)
    for kind in ("signing_keys", "county_credentials"):
        counts = result[kind]
        assert counts["resealed"] == 0 and counts["unreadable"] == counts["remaining"] > 0
    assert sealed_values(rotated) == before


def test_reseal_secrets_from_the_command_line_prints_counts_and_no_secret(make_sso, tmp_path) -> None:
    database = f"sqlite:///{tmp_path / 'sso-cli.sqlite3'}"
    before_the_change(make_sso, database)
    env = dict(os.environ, DATA_DIR=str(tmp_path / "cli"), LOG_LEVEL="WARNING",
               DATABASE_URL=database, SSO_KEY_ENCRYPTION_KEY=KEY_B,
               SSO_RETIRED_KEY_ENCRYPTION_KEYS=KEY_A, **SAME)
    ran = subprocess.run([sys.executable, "-m", "services.sso", "reseal-secrets", "--batch", "1"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True)
    result = json.loads(ran.stdout)
    assert result["signing_keys"]["resealed"] == 2 and result["county_credentials"]["resealed"] == 3
    assert "PRIVATE KEY" not in ran.stdout + ran.stderr
    assert not any(credential in ran.stdout + ran.stderr for credential in CREDENTIALS.values())
    refused = subprocess.run([sys.executable, "-m", "services.sso", "reseal-secrets", "--batch", "0"],
                             cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=60)
    assert refused.returncode == 2 and "0 is not a positive number" in refused.stderr


@pytest.mark.postgres
def test_a_credential_set_while_resealing_is_not_overwritten_on_postgres(make_sso, make_database, monkeypatch) -> None:
    """On PostgreSQL the reseal and an operator's change really run at once: the change
    commits between the read and the update, and the update leaves it alone."""
    database = make_database("sso")
    before_the_change(make_sso, database)
    rotated = make_sso(DATABASE_URL=database, SSO_KEY_ENCRYPTION_KEY=KEY_B,
                       SSO_RETIRED_KEY_ENCRYPTION_KEYS=KEY_A, **SAME)
    sealer = rotated.dependencies.sealer
    original = Sealer.reseal
    meanwhile = sealer.seal(b"tpe-new-api-key", "county:TPE")

    def with_a_change_in_between(self, token, purpose):
        if purpose == "county:TPE":
            with psycopg.connect(database, autocommit=True) as other:
                other.execute("UPDATE county_connectors SET secret_sealed = %s "
                              "WHERE county_code = 'TPE'", (meanwhile,))
        return original(self, token, purpose)

    monkeypatch.setattr(Sealer, "reseal", with_a_change_in_between)
    result = reseal_secrets(rotated.dependencies.sealed_secrets, rotated.dependencies.sealer)
    assert result["county_credentials"]["resealed"] == 2
    assert result["county_credentials"]["changed_meanwhile"] == 1
    d = rotated.dependencies
    assert secret_of(d.unit_of_work(), d.sealer, "TPE") == "tpe-new-api-key"
    again = reseal_secrets(d.sealed_secrets, d.sealer)
    assert again["county_credentials"]["already_current"] == 3
