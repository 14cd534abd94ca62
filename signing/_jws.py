"""Compact JWS: signed through the :class:`Signer` interface, verified with PyJWT.

The algorithm always comes from the trusted key named by ``kid``; a header that names another
algorithm (``none``, ``HS256`` with the public key as the secret, ...) fails as a bad signature.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any

import jwt

from ._encoding import b64url_decode, b64url_encode
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
        read_json(b64url_decode(token.split(".", 1)[0]))
        header = jwt.get_unverified_header(token)
    except (ValueError, RecursionError, jwt.InvalidTokenError) as exc:
        # not JSON, undecodable, or a header PyJWT refuses (a kid not a string)
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
        payload = _JWS.decode(token, key=key.key, algorithms=[key.info.alg])
    except jwt.InvalidSignatureError as exc:
        raise BadSignature(f"signature does not match key {key.kid}") from exc
    except jwt.PyJWTError as exc:
        raise Malformed(f"token cannot be decoded: {exc}") from exc
    try:
        claims = read_json(payload)
    except (ValueError, RecursionError) as exc:
        raise Malformed(f"token cannot be decoded: {exc}") from exc
    if not isinstance(claims, dict):
        raise Malformed("token claims are not an object")
    return claims, key


_JWS = jwt.PyJWS()
"""Checks the signature only: the claims are read by :func:`read_json`, not by PyJWT."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_integer(text: str) -> int | float:
    # An integer past the range of a double is Infinity to the browser: not an integer.
    number = float(text)
    return int(text) if math.isfinite(number) else number


def read_json(data: bytes) -> Any:
    """Read a JWS segment as the browser verifier does (``JSON.parse`` of strict UTF-8): JSON
    itself, so no ``NaN`` or ``Infinity``, no byte order mark, no UTF-16; and one kind of number
    (:func:`_one_kind_of_number`). :class:`ValueError` when it is not JSON."""
    return _one_kind_of_number(
        json.loads(data.decode("utf-8"), parse_constant=_refuse_constant, parse_int=_json_integer)
    )


def _one_kind_of_number(value: Any) -> Any:
    """JSON has one kind of number, and the browser verifier cannot tell ``1.0`` or ``1e3`` from
    an integer: neither does this one (an integral float becomes that integer, at any depth; a
    number past the range of a double, like ``1e400``, stays an infinite float)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {name: _one_kind_of_number(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_one_kind_of_number(item) for item in value]
    return value
