"""The key-status document: our rules for the published keys, signed.

``/.well-known/jwks.json`` holds key material only, and only keys a standard JOSE or COSE library
may use to accept a signature (see :func:`signing.standard_jwks`). What standard libraries ignore
(a key's purpose, the issuer it signs for, its signing window, its compromise) is in this compact
JWS (``typ`` :data:`KEY_STATUS_TYP`), whose claims are::

    {"iat": <epoch seconds>, "keys": [{"kid", "alg", "purpose", "not_before",
                                       ["not_after"], ["issuer"], ["compromised_at"]}, ...]}

It lists every key that can still matter, the withdrawn ones (compromised, not yet or no longer
allowed to sign) included. It is signed by a ``keys`` purpose key that is itself published in
the JWKS and listed in the document: a verifier takes the signing key's material from the JWKS
(fetched from the service over HTTPS), verifies the document, then requires that the document
lists that key for the ``keys`` purpose, uncompromised, with ``iat`` inside its window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import jwt

from ._jws import decode_jws, sign_jws
from ._keys import KeyInfo, KeySet, PublicKey, Purpose, Signer, key_from_jwk
from .errors import KeyHandlingError, PolicyViolation, VerificationError

KEY_STATUS_TYP = "vnd.rtcert.key-status+jwt"


def sign_key_status(keys: Iterable[KeyInfo], signer: Signer, *, now: int) -> str:
    """Sign the rules of ``keys`` (which must list the signer's own key) as the key-status JWS.

    Its ``iat`` is when these rules took effect (:func:`rules_since`), not the moment of signing,
    and signatures are deterministic: every worker that signs the same rules with the same key
    serves the same bytes (and the same ETag)."""
    info = signer.public.info
    if info.purpose != Purpose.KEYS or info.compromised_at is not None or not info.signs_at(now):
        raise PolicyViolation(f"key {info.kid} may not sign the key-status document now")
    listed = sorted(keys, key=lambda k: (k.not_before, k.kid))
    if info.kid not in {k.kid for k in listed}:
        listed.append(info)
    header = {"alg": info.alg, "kid": info.kid, "typ": KEY_STATUS_TYP}
    issued_at = rules_since(listed, info, now)
    return sign_jws(header, {"iat": issued_at, "keys": [k.to_dict() for k in listed]}, signer)


def rules_since(keys: Iterable[KeyInfo], signer: KeyInfo, now: int) -> int:
    """The latest moment up to ``now`` at which a rule of ``keys`` took effect (a key's window
    opened or closed, a key was marked compromised), but not before ``signer`` could sign."""
    moments = [signer.not_before]
    for key in keys:
        moments.extend(
            t for t in (key.not_before, key.not_after, key.compromised_at) if t is not None and t <= now
        )
    return max(moments)


def _materials(jwks: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list) or not all(isinstance(jwk, Mapping) for jwk in keys):
        raise KeyHandlingError("a JWKS document has a 'keys' list of objects")
    return {str(jwk.get("kid")): jwk for jwk in keys}


def verify_key_status(jwks: Mapping[str, Any], token: str) -> KeySet:
    """The trusted keys: the JWKS's key material with the rules of the verified key-status
    document ``token``. Keys the document lists but the JWKS does not publish are withdrawn (they
    fail as compromised or outside their window); keys it does not list are not trusted.
    Raise :class:`KeyHandlingError` when the documents cannot be trusted."""
    materials = _materials(jwks)
    try:
        header_kid = _unverified_kid(token)
        jwk = materials.get(header_kid)
        if jwk is None:
            raise KeyHandlingError(f"the key-status document's key {header_kid} is not in the JWKS")
        material = key_from_jwk(jwk)
        provisional = PublicKey(material, KeyInfo(header_kid, str(jwk["alg"]), Purpose.KEYS, 0))
        claims, _ = decode_jws(token, KeySet([provisional]), Purpose.KEYS, KEY_STATUS_TYP)
    except VerificationError as exc:
        raise KeyHandlingError(f"the key-status document does not verify: {exc}") from exc
    listed = claims.get("keys")
    issued_at = claims.get("iat")
    if not isinstance(listed, list) or type(issued_at) is not int:
        raise KeyHandlingError("the key-status document has no 'keys' list or 'iat'")
    infos = [KeyInfo.from_dict(entry) for entry in listed if isinstance(entry, Mapping)]
    if len(infos) != len(listed):
        raise KeyHandlingError("the key-status document lists a key that is not an object")
    own = next((info for info in infos if info.kid == header_kid), None)
    if (
        own is None
        or own.purpose != Purpose.KEYS
        or own.compromised_at is not None
        or not own.signs_at(issued_at)
    ):
        raise KeyHandlingError(f"key {header_kid} may not sign the key-status document")
    trusted, withdrawn = [], []
    for info in infos:
        if info.kid in materials:
            trusted.append(PublicKey(key_from_jwk(materials[info.kid]), info))
        else:
            withdrawn.append(info)
    return KeySet(trusted, withdrawn)


def _unverified_kid(token: str) -> str:
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.InvalidTokenError as exc:
        raise KeyHandlingError(f"the key-status document is not a JWS: {exc}") from exc
    if not isinstance(kid, str):
        raise KeyHandlingError("the key-status document names no key")
    return kid
