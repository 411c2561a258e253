"""Password hashes (R-SSO-7): argon2id, memory-hard, parameters from settings. A hash made
with other parameters (the demo seed's cheap ones, or older settings) is replaced at the
next successful sign-in."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from services.sso.config import Argon2Parameters

MIN_LENGTH = 10
MAX_LENGTH = 256  # argon2 takes any length; this bounds the work a request can ask for


class Passwords:
    def __init__(self, parameters: Argon2Parameters) -> None:
        self._hasher = _hasher(parameters)
        # Verified against when the login name is unknown, so that answer takes as long
        # as a wrong password does.
        self._decoy = self._hasher.hash("decoy password, never anyone's")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        if len(password) > MAX_LENGTH:
            return False
        try:
            matches = self._hasher.verify(stored_hash or self._decoy, password)
            return matches and stored_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)


def hasher_with(parameters: Argon2Parameters) -> PasswordHasher:
    return _hasher(parameters)


def _hasher(parameters: Argon2Parameters) -> PasswordHasher:
    return PasswordHasher(time_cost=parameters.time_cost, memory_cost=parameters.memory_kib,
                          parallelism=parameters.parallelism)


def policy_problem(password: str, login: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"at most {MAX_LENGTH} characters"
    if login.lower() in password.lower():
        return "must not contain the login name"
    return None
