"""Signing keys and their rotation (R-SSO-1, issue point 2).

A key is ``next`` (published in the JWKS, signs nothing yet), then ``current`` (signs),
then ``retired`` (still published until every token it signed has expired), then gone.
Rotation promotes the next key only once it has been published for
``key_publish_ahead_seconds``: every verifier (``servicekit.tokens.JwksKeySource``) has
seen it by then. Private keys are stored sealed (adapters/sealing.py).

Tokens are signed with python-jose, RS256, ``kid`` in the header; whatever this module
signs passes ``servicekit.tokens.TokenVerifier``, which every service and the gateway use.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt
from jose.utils import long_to_base64
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from servicekit.clock import Clock, SystemClock
from servicekit.db import Database
from servicekit.dml import rows_changed
from services.sso.adapters.sealing import Sealer, signing_key_purpose
from services.sso.adapters.tables.keys import signing_keys

log = logging.getLogger("sso.keys")

ALGORITHM = "RS256"
NEXT, CURRENT, RETIRED = "next", "current", "retired"
_SIGNER_CACHE_SECONDS = 10.0  # another worker's rotation is seen this much later at most
_JWKS_CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class Rotation:
    promoted: str | None  # the kid that now signs, when a rotation happened
    waiting_seconds: int  # how long until the next key may sign, when it did not
    removed: list[str]


class KeyStore:
    def __init__(self, database: Database, sealer: Callable[[], Sealer], key_size: int,
                 publish_ahead_seconds: int, longest_token_seconds: int,
                 clock: Clock | None = None) -> None:
        self._database = database
        self._sealer = sealer
        self._key_size = key_size
        self._publish_ahead = timedelta(seconds=publish_ahead_seconds)
        # Published after retirement for as long as a token it signed can live, plus
        # what another worker's signer cache and the verifiers' leeway add.
        self._keep_retired = timedelta(seconds=longest_token_seconds + _SIGNER_CACHE_SECONDS + 120)
        self._clock: Clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._signer: tuple[float, str, Any] | None = None
        self._jwks: tuple[float, dict[str, dict]] | None = None

    # -- reading ------------------------------------------------------------------------
    def jwks(self) -> dict[str, list[dict]]:
        return {"keys": list(self._published().values())}

    def get(self, kid: str) -> dict | None:
        """``servicekit.tokens.KeySource``: the sso service verifies its own tokens with
        the strict verifier too, from its own table rather than over HTTP."""
        return self._published().get(kid)

    def _published(self) -> dict[str, dict]:
        cached = self._jwks
        if cached is not None and time.monotonic() - cached[0] < _JWKS_CACHE_SECONDS:
            return cached[1]
        self.ensure()
        with self._database.session() as session:
            rows = session.execute(select(signing_keys.c.kid, signing_keys.c.public_jwk)
                                   .order_by(signing_keys.c.created_at.desc())).all()
        keys = {row.kid: row.public_jwk for row in rows}
        self._jwks = (time.monotonic(), keys)
        return keys

    def sign(self, claims: dict[str, Any], typ: str = "JWT") -> str:
        return self.signer().sign(claims, typ)

    def signer(self) -> Signer:
        """The current key, loaded (from the cache or in a transaction of its own): take
        it before opening a transaction that issues tokens, never inside one."""
        return Signer(*self._signing_key())

    def _signing_key(self) -> tuple[str, Any]:
        cached = self._signer
        if cached is not None and time.monotonic() - cached[0] < _SIGNER_CACHE_SECONDS:
            return cached[1], cached[2]
        with self._lock:
            self.ensure()
            with self._database.session() as session:
                row = session.execute(select(signing_keys.c.kid, signing_keys.c.private_sealed)
                                      .where(signing_keys.c.state == CURRENT)).one()
            pem = self._sealer().open(row.private_sealed, signing_key_purpose(row.kid))
            key = jwk.construct(pem.decode(), ALGORITHM)
            self._signer = (time.monotonic(), row.kid, key)
            return row.kid, key

    def forget_cache(self) -> None:
        self._signer = None
        self._jwks = None

    # -- lifecycle ----------------------------------------------------------------------
    def ensure(self) -> None:
        """The very first keys: one that signs at once (no verifier can have cached an
        older JWKS) and the next one, already published."""
        with self._database.session() as session:
            if session.scalar(select(signing_keys.c.kid).where(signing_keys.c.state == CURRENT)):
                return
        now = self._clock.now()
        try:
            with self._database.session() as session:
                session.execute(insert(signing_keys), [
                    self._new_row(CURRENT, now, activated_at=now), self._new_row(NEXT, now)])
        except IntegrityError:
            pass  # another worker made them first

    def rotate(self) -> Rotation:
        self.ensure()
        now = self._clock.now()
        promoted = None
        waiting = 0
        with self._database.session() as session:
            removed = list(session.scalars(select(signing_keys.c.kid).where(
                signing_keys.c.state == RETIRED, signing_keys.c.remove_after <= now)))
            if removed:
                session.execute(delete(signing_keys).where(signing_keys.c.kid.in_(removed)))
            nxt = session.execute(select(signing_keys.c.kid, signing_keys.c.created_at)
                                  .where(signing_keys.c.state == NEXT)).first()
            if nxt is None:
                session.execute(insert(signing_keys).values(**self._new_row(NEXT, now)))
                waiting = int(self._publish_ahead.total_seconds())
            elif now - nxt.created_at < self._publish_ahead:
                waiting = int((self._publish_ahead - (now - nxt.created_at)).total_seconds()) + 1
            else:
                session.execute(update(signing_keys).where(signing_keys.c.state == CURRENT)
                                .values(state=RETIRED, retired_at=now,
                                        remove_after=now + self._keep_retired))
                changed = rows_changed(session.execute(update(signing_keys).where(
                    signing_keys.c.kid == nxt.kid, signing_keys.c.state == NEXT)
                    .values(state=CURRENT, activated_at=now)))
                if changed != 1:
                    raise RuntimeError("the next key changed during rotation; try again")
                session.execute(insert(signing_keys).values(**self._new_row(NEXT, now)))
                promoted = nxt.kid
        self.forget_cache()
        log.info("signing keys rotated" if promoted else "signing key rotation not due",
                 extra={"promoted": promoted, "removed": removed, "waiting_s": waiting})
        return Rotation(promoted, waiting, removed)

    def _new_row(self, state: str, now: datetime, activated_at: datetime | None = None) -> dict:
        private = rsa.generate_private_key(public_exponent=65537, key_size=self._key_size)
        public = _public_jwk(private)
        kid = _thumbprint(public)
        pem = private.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        return {"kid": kid, "state": state,
                "public_jwk": {**public, "kid": kid, "use": "sig", "alg": ALGORITHM},
                "private_sealed": self._sealer().seal(pem, signing_key_purpose(kid)),
                "created_at": now, "activated_at": activated_at, "retired_at": None,
                "remove_after": None}


@dataclass(frozen=True)
class Signer:
    kid: str
    key: Any

    def sign(self, claims: dict[str, Any], typ: str = "JWT") -> str:
        return jwt.encode(claims, self.key, algorithm=ALGORITHM,
                          headers={"kid": self.kid, "typ": typ})



def _public_jwk(private: rsa.RSAPrivateKey) -> dict[str, str]:
    numbers = private.public_key().public_numbers()
    return {"kty": "RSA", "n": long_to_base64(numbers.n).decode(),
            "e": long_to_base64(numbers.e).decode()}


def _thumbprint(public: dict[str, str]) -> str:
    """RFC 7638: SHA-256 over the required members in lexical order."""
    canonical = json.dumps({name: public[name] for name in ("e", "kty", "n")},
                           separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
