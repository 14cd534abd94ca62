"""Compact JWS: signed through the :class:`Signer` interface, verified with PyJWT.

The algorithm always comes from the trusted key named by ``kid``; a header that names another
algorithm (``none``, ``HS256`` with the public key as the secret, ...) fails as a bad signature.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import jwt

from ._encoding import b64url_encode
from ._keys import KeySet, PublicKey, Purpose, Signer
from .errors import BadSignature, KeyCompromised, Malformed, WrongKeyPurpose

MAX_TOKEN_LENGTH = 16384


_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
"""What ``json.dumps(value, separators=(",", ":"), ensure_ascii=False)`` does, built once."""


def _part(value: dict[str, Any]) -> str:
    return b64url_encode(_COMPACT_JSON.encode(value).encode("utf-8"))


@lru_cache(maxsize=256)
def _header_part(items: tuple[tuple[str, str], ...]) -> str:
    # A key signs many tokens with the same header: encode it once.
    return _part(dict(items))


def sign_jws(header: dict[str, str], claims: dict[str, Any], signer: Signer) -> str:
    """A compact JWS signed through the :class:`Signer` interface (so an HSM can sign it).
    ``header`` holds text members only (``alg``, ``kid``, ``typ``)."""
    signing_input = f"{_header_part(tuple(header.items()))}.{_part(claims)}"
    return f"{signing_input}.{b64url_encode(signer.sign(signing_input.encode('ascii')))}"


def decode_jws(token: str, keys: KeySet, purpose: Purpose, typ: str) -> tuple[dict[str, Any], PublicKey]:
    """Steps 1-3 for a JWS: decode, look up ``kid`` (the algorithm comes from the key, never the
    header), check purpose and compromise, verify the signature. Returns (claims, key)."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise Malformed("token is too long")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:  # undecodable, or a header PyJWT refuses (a kid not a string)
        raise Malformed(f"not a JWT: {exc}") from exc
    if header.get("typ") != typ:
        raise Malformed(f"token type is {header.get('typ')!r}; expected {typ!r}")
    key = keys.get(header.get("kid"))
    if key.info.purpose != purpose:
        raise WrongKeyPurpose(f"key {key.kid} signs {key.info.purpose.value}s, not this")
    if key.info.compromised_at is not None:
        raise KeyCompromised(f"key {key.kid} was marked compromised")
    if header.get("alg") != key.info.alg:
        raise BadSignature(f"algorithm {header.get('alg')!r} is not the algorithm of key {key.kid}")
    try:
        claims = jwt.decode(
            token,
            key=key.key,
            algorithms=[key.info.alg],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.InvalidSignatureError as exc:
        raise BadSignature(f"signature does not match key {key.kid}") from exc
    except jwt.PyJWTError as exc:
        raise Malformed(f"token cannot be decoded: {exc}") from exc
    if not isinstance(claims, dict):  # pragma: no cover - PyJWT always returns a dict
        raise Malformed("token claims are not an object")
    return _one_kind_of_number(claims), key


def _one_kind_of_number(value: Any) -> Any:
    """JSON has one kind of number, and the browser verifier cannot tell ``1.0`` or ``1e3`` from
    an integer: neither does this one (an integral float becomes that integer, at any depth)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {name: _one_kind_of_number(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_one_kind_of_number(item) for item in value]
    return value
