"""Token Status Lists (IETF OAuth Status List): 2 bits per certificate version, zlib-compressed,
signed as a ``statuslist+jwt`` by the issuer's certificate key.

Index ``i`` lives in byte ``i // 4`` at bit offset ``2 * (i % 4)`` (least significant first).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from ._encoding import b64url_decode, b64url_encode
from ._jws import decode_jws, sign_jws
from ._keys import KeySet, Purpose, Signer
from .errors import KeyOutsideWindow, Malformed, PolicyViolation

BITS = 2
PER_BYTE = 8 // BITS
MAX_ENTRIES = 1 << 24
STATUS_LIST_TYP = "statuslist+jwt"


class Status(IntEnum):
    """The status of one certificate version."""

    VALID = 0
    REVOKED = 1
    """Revoked or cancelled (the list's INVALID)."""
    SUSPENDED = 2
    SUPERSEDED = 3
    """Replaced by a newer version (application-specific value 0x03)."""


class StatusList:
    """A mutable array of 2-bit statuses."""

    __slots__ = ("data",)

    def __init__(self, data: bytes | bytearray = b"") -> None:
        self.data = bytearray(data)

    def __len__(self) -> int:
        return len(self.data) * PER_BYTE

    def get(self, index: int) -> Status:
        """The status at ``index`` (entries past the end are VALID)."""
        if index < 0:
            raise IndexError(index)
        byte = index // PER_BYTE
        if byte >= len(self.data):
            return Status.VALID
        return Status((self.data[byte] >> (BITS * (index % PER_BYTE))) & 0b11)

    def set(self, index: int, status: Status) -> None:
        """Set the status at ``index``, growing the list as needed."""
        if not 0 <= index < MAX_ENTRIES:
            raise IndexError(index)
        byte = index // PER_BYTE
        if byte >= len(self.data):
            self.data.extend(bytes(byte + 1 - len(self.data)))
        shift = BITS * (index % PER_BYTE)
        self.data[byte] = (self.data[byte] & ~(0b11 << shift)) | (int(status) << shift)

    def encode(self) -> str:
        """The ``lst`` member: zlib-compressed, base64url."""
        return b64url_encode(zlib.compress(bytes(self.data), 9))

    @classmethod
    def decode(cls, lst: str) -> StatusList:
        """Read an ``lst`` member; :class:`Malformed` if it does not decompress within limits."""
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(b64url_decode(lst), MAX_ENTRIES // PER_BYTE)
        except zlib.error as exc:
            raise Malformed(f"status list does not decompress: {exc}") from exc
        if inflater.unconsumed_tail:
            raise Malformed("status list is too large")
        return cls(data)


@dataclass(frozen=True, slots=True)
class SignedStatusList:
    """A verified status list token: whose it is, when it was made, how long it may be cached."""

    issuer: str
    uri: str
    issued_at: int
    expires_at: int
    ttl: int
    statuses: StatusList


def sign_status_list(
    statuses: StatusList,
    *,
    issuer: str,
    uri: str,
    signer: Signer,
    now: int,
    ttl: int = 300,
    lifetime: int = 7 * 24 * 3600,
) -> str:
    """Sign ``statuses`` as a ``statuslist+jwt`` for ``issuer``'s list at ``uri``."""
    info = signer.public.info
    if info.purpose != Purpose.CERTIFICATE or info.issuer != issuer:
        raise PolicyViolation(f"key {info.kid} does not sign for issuer {issuer}")
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": uri,
        "iat": now,
        "exp": now + lifetime,
        "ttl": ttl,
        "status_list": {"bits": BITS, "lst": statuses.encode()},
    }
    header = {"alg": info.alg, "kid": info.kid, "typ": STATUS_LIST_TYP}
    return sign_jws(header, claims, signer)


def verify_status_list(token: str, keys: KeySet) -> SignedStatusList:
    """Verify a status list token's signature and shape (not its age: the caller decides)."""
    claims, key = decode_jws(token, keys, Purpose.CERTIFICATE, STATUS_LIST_TYP)
    try:
        issuer = claims["iss"]
        body = claims["status_list"]
        signed = SignedStatusList(
            issuer=str(issuer),
            uri=str(claims["sub"]),
            issued_at=int(claims["iat"]),
            expires_at=int(claims["exp"]),
            ttl=int(claims.get("ttl", 0)),
            statuses=StatusList.decode(body["lst"]),
        )
        bits = body["bits"]
    except (KeyError, TypeError, ValueError) as exc:
        raise Malformed(f"status list claims are incomplete: {exc}") from exc
    if bits != BITS:
        raise Malformed(f"status list uses {bits} bits per entry; expected {BITS}")
    if key.info.issuer != signed.issuer:
        raise PolicyViolation(f"key {key.kid} does not sign for issuer {signed.issuer}")
    if not key.info.signs_at(signed.issued_at):
        raise KeyOutsideWindow(f"status list signed outside the window of key {key.kid}")
    return signed
