"""Signing keys: generation, PEM files, RFC 7638 key ids, JWK export and raw sign/verify.

Two algorithms are supported, each fixed to its key: ``EdDSA`` (Ed25519) and ``ES256`` (ECDSA
P-256 with SHA-256, raw ``r||s`` signatures as in JWS and COSE). A key has a purpose, an optional
issuer (the unified social credit code of the authority it signs for) and a validity window for
signing; signatures made outside the window do not verify.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from ._encoding import b64url_decode, b64url_encode
from .errors import BadSignature, KeyCompromised, KeyHandlingError, KeyOutsideWindow, Malformed, UnknownKey

KID_BYTES = 8
"""A kid is the first 8 bytes of the RFC 7638 SHA-256 thumbprint, base64url: 11 characters."""
_KID = re.compile(r"^[A-Za-z0-9_-]{11}$")
ALGORITHMS = ("EdDSA", "ES256")

PublicKeyObject = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
PrivateKeyObject = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


class Purpose(StrEnum):
    """What a key may sign."""

    CERTIFICATE = "certificate"
    """Certificate credentials (JWT) and the issuer's status lists."""
    PRESENTATION = "presentation"
    """Short-lived presentations shown on the holder's phone."""
    AUDIT = "audit"
    """Checkpoints of the audit log's head (anchoring it outside the database)."""
    KEYS = "keys"
    """The key-status document: what each published key is for and which keys were withdrawn."""


def is_kid(text: object) -> bool:
    """True when ``text`` has the shape of a key id (so it can never name a path)."""
    return isinstance(text, str) and bool(_KID.match(text))


def kid_from_bytes(raw: bytes) -> str:
    """The text kid for the raw bytes carried in a COSE header."""
    return b64url_encode(raw)


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A key's metadata: everything but the key material. Times are UTC epoch seconds."""

    kid: str
    alg: str
    purpose: Purpose
    not_before: int
    not_after: int | None = None
    issuer: str | None = None
    compromised_at: int | None = None

    def signs_at(self, when: int) -> bool:
        """True when a signature made at ``when`` falls inside this key's window, which includes
        ``not_before`` and ends just before ``not_after``."""
        return self.not_before <= when and (self.not_after is None or when < self.not_after)

    def to_dict(self) -> dict[str, Any]:
        """The metadata as JSON-ready members (the extra members of the key's JWK)."""
        data: dict[str, Any] = {
            "kid": self.kid,
            "alg": self.alg,
            "purpose": self.purpose.value,
            "not_before": self.not_before,
        }
        for name in ("not_after", "issuer", "compromised_at"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KeyInfo:
        """Read metadata written by :meth:`to_dict`; raise :class:`KeyHandlingError` if invalid."""
        try:
            info = cls(
                kid=str(data["kid"]),
                alg=str(data["alg"]),
                purpose=Purpose(data["purpose"]),
                not_before=int(data["not_before"]),
                not_after=_opt_int(data.get("not_after")),
                issuer=None if data.get("issuer") is None else str(data["issuer"]),
                compromised_at=_opt_int(data.get("compromised_at")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyHandlingError(f"invalid key metadata: {exc}") from exc
        if info.alg not in ALGORITHMS or not is_kid(info.kid):
            raise KeyHandlingError("invalid key metadata: unknown alg or malformed kid")
        return info


def _opt_int(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("expected an integer")
    return int(value)


def _public_jwk_members(key: PublicKeyObject) -> dict[str, str]:
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"crv": "Ed25519", "kty": "OKP", "x": b64url_encode(raw)}
    numbers = key.public_numbers()
    return {
        "crv": "P-256",
        "kty": "EC",
        "x": b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": b64url_encode(numbers.y.to_bytes(32, "big")),
    }


def thumbprint(key: PublicKeyObject) -> bytes:
    """The RFC 7638 JWK SHA-256 thumbprint of a public key."""
    members = _public_jwk_members(key)
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("ascii")).digest()


def key_id(key: PublicKeyObject) -> str:
    """The kid of a public key: the first :data:`KID_BYTES` of its RFC 7638 thumbprint, base64url."""
    return kid_from_bytes(thumbprint(key)[:KID_BYTES])


def _alg_of(key: PublicKeyObject) -> str:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    raise KeyHandlingError("only Ed25519 and P-256 keys are supported")


class PublicKey:
    """A trusted public key with its metadata; verifies raw signatures."""

    __slots__ = ("_verify", "info", "key")

    def __init__(self, key: PublicKeyObject, info: KeyInfo) -> None:
        if _alg_of(key) != info.alg:
            raise KeyHandlingError(f"key {info.kid} is not an {info.alg} key")
        self.key = key
        self.info = info
        if isinstance(key, ed25519.Ed25519PublicKey):
            self._verify = key.verify
        else:
            self._verify = _es256_verifier(key)

    @property
    def kid(self) -> str:
        """The key id."""
        return self.info.kid

    def verify(self, signature: bytes, data: bytes) -> None:
        """Check a raw signature over ``data``; raise :class:`BadSignature` if it does not match."""
        try:
            self._verify(signature, data)
        except InvalidSignature:
            raise BadSignature(f"signature does not match key {self.info.kid}") from None

    def to_jwk(self) -> dict[str, Any]:
        """The public JWK with only the members a standard library reads (RFC 7517/7518/8037): key
        type, curve, coordinates, ``kid``, ``alg`` and ``use``. Our own rules (purpose, issuer,
        window, compromise) travel in the signed key-status document instead."""
        return {**_public_jwk_members(self.key), "kid": self.info.kid, "alg": self.info.alg, "use": "sig"}


def key_from_jwk(jwk: Mapping[str, Any]) -> PublicKeyObject:
    """The key material of a public JWK whose ``kid`` is its own thumbprint (any other member is
    ignored); raise :class:`KeyHandlingError` for anything else."""
    try:
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            key: PublicKeyObject = ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
        elif jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
            key = ec.EllipticCurvePublicNumbers(
                int.from_bytes(b64url_decode(jwk["x"]), "big"),
                int.from_bytes(b64url_decode(jwk["y"]), "big"),
                ec.SECP256R1(),
            ).public_key()
        else:
            raise KeyHandlingError("unsupported key type")
    except (KeyError, TypeError, ValueError, Malformed) as exc:
        raise KeyHandlingError(f"invalid JWK: {exc}") from exc
    if jwk.get("kid") != key_id(key):
        raise KeyHandlingError(f"kid {jwk.get('kid')} is not the key's thumbprint")
    if jwk.get("alg") != _alg_of(key):
        raise KeyHandlingError(f"JWK {jwk.get('kid')} does not name its algorithm {_alg_of(key)}")
    return key


def _es256_verifier(key: ec.EllipticCurvePublicKey) -> Any:
    algorithm = ec.ECDSA(hashes.SHA256())

    def verify(signature: bytes, data: bytes) -> None:
        if len(signature) != 64:
            raise InvalidSignature
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        key.verify(encode_dss_signature(r, s), data, algorithm)

    return verify


class Signer(Protocol):
    """Anything that signs with a key we publish: a local key now, an HSM later."""

    @property
    def public(self) -> PublicKey:
        """The public half with its metadata."""

    def sign(self, data: bytes) -> bytes:
        """A raw signature over ``data`` (64 bytes for both algorithms)."""


class LocalKey:
    """A private key held in memory (loaded from a PEM file); implements :class:`Signer`."""

    __slots__ = ("private", "public")

    def __init__(self, private: PrivateKeyObject, info: KeyInfo) -> None:
        self.private = private
        self.public = PublicKey(private.public_key(), info)

    @classmethod
    def generate(
        cls,
        alg: str,
        purpose: Purpose,
        *,
        not_before: int | None = None,
        not_after: int | None = None,
        issuer: str | None = None,
    ) -> LocalKey:
        """Make a new key of ``alg`` for ``purpose``, valid for signing from ``not_before``."""
        if alg == "EdDSA":
            private: PrivateKeyObject = ed25519.Ed25519PrivateKey.generate()
        elif alg == "ES256":
            private = ec.generate_private_key(ec.SECP256R1())
        else:
            raise KeyHandlingError(f"unsupported algorithm {alg!r}; use one of {ALGORITHMS}")
        kid = key_id(private.public_key())
        start = int(time.time()) if not_before is None else not_before
        info = KeyInfo(kid, alg, Purpose(purpose), start, not_after, issuer)
        return cls(private, info)

    @property
    def info(self) -> KeyInfo:
        """The key's metadata."""
        return self.public.info

    def with_info(self, **changes: Any) -> LocalKey:
        """The same key material with changed metadata (the kid and algorithm stay)."""
        return LocalKey(self.private, replace(self.info, **changes))

    def sign(self, data: bytes) -> bytes:
        """A raw signature over ``data``; the same bytes for the same data with either algorithm
        (ECDSA nonces are derived as RFC 6979 says), so workers signing one document agree."""
        if isinstance(self.private, ed25519.Ed25519PrivateKey):
            return self.private.sign(data)
        algorithm = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
        r, s = decode_dss_signature(self.private.sign(data, algorithm))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def to_pem(self, password: bytes | None = None) -> bytes:
        """The private key as PKCS#8 PEM, encrypted when a password is given."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        )
        return self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    @classmethod
    def from_pem(cls, pem: bytes, info: KeyInfo, password: bytes | None = None) -> LocalKey:
        """Load a PEM private key; its thumbprint must match ``info.kid``."""
        try:
            private = serialization.load_pem_private_key(pem, password=password or None)
        except (ValueError, TypeError) as exc:
            raise KeyHandlingError(f"cannot load key {info.kid}: {exc}") from exc
        if not isinstance(private, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
            raise KeyHandlingError("only Ed25519 and P-256 keys are supported")
        if key_id(private.public_key()) != info.kid:
            raise KeyHandlingError(f"the PEM file does not hold key {info.kid}")
        return cls(private, info)


class KeySet:
    """The public keys a verifier trusts, by kid, with their rules; and the kids of keys that were
    withdrawn (listed in the key-status document but no longer published: compromised, not yet
    or no longer allowed to sign), which fail with their own reason."""

    __slots__ = ("_by_raw", "_keys", "_withdrawn")

    def __init__(self, keys: Iterable[PublicKey] = (), withdrawn: Iterable[KeyInfo] = ()) -> None:
        self._keys = {key.kid: key for key in keys}
        self._by_raw = {b64url_decode(kid): key for kid, key in self._keys.items()}
        self._withdrawn = {info.kid: info for info in withdrawn if info.kid not in self._keys}

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[PublicKey]:
        return iter(self._keys.values())

    @property
    def withdrawn(self) -> tuple[KeyInfo, ...]:
        """The withdrawn keys' metadata."""
        return tuple(self._withdrawn.values())

    def _missing(self, kid: str) -> UnknownKey | KeyCompromised | KeyOutsideWindow:
        info = self._withdrawn.get(kid)
        if info is None:
            return UnknownKey(f"no trusted key {kid}")
        if info.compromised_at is not None:
            return KeyCompromised(f"key {kid} was marked compromised")
        return KeyOutsideWindow(f"key {kid} is not published: it may not sign now")

    def get(self, kid: object) -> PublicKey:
        """The key named ``kid``; :class:`Malformed` for a value that is not a kid at all,
        :class:`UnknownKey` for one we do not trust, :class:`KeyCompromised` or
        :class:`KeyOutsideWindow` for a withdrawn one."""
        if not is_kid(kid):
            raise Malformed("the key id is not a key id")
        try:
            return self._keys[kid]  # type: ignore[index]
        except KeyError:
            raise self._missing(kid) from None  # type: ignore[arg-type]

    def get_raw(self, kid: bytes) -> PublicKey:
        """The key whose kid is ``kid`` as raw bytes (as COSE carries it)."""
        key = self._by_raw.get(kid)
        if key is None:
            raise self._missing(kid_from_bytes(kid)) from None
        return key

    def to_jwks(self) -> dict[str, Any]:
        """The keys as a standard JWKS document (key material only; see :meth:`PublicKey.to_jwk`)."""
        return {"keys": [key.to_jwk() for key in self._keys.values()]}
