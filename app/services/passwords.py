"""Password hashing with Argon2id (argon2-cffi defaults)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("not a password")


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``."""
    return _hasher.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches; hashes a dummy when there is no account, so timing does
    not tell whether a user name exists."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
