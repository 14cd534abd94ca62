"""Token Status Lists (IETF OAuth Status List): 2 bits per certificate version, zlib-compressed,
signed as a ``statuslist+jwt`` by the issuer's certificate key.

Index ``i`` lives in byte ``i // 4`` at bit offset ``2 * (i % 4)`` (least significant first). A list
has a fixed number of entries (its decompressed length times four); an index past the end is out of
bounds, and a verifier rejects it (:class:`~signing.errors.StatusOutOfBounds`) instead of reading it
as valid. :func:`status_list_size` says how many entries a published list has.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, NamedTuple, Protocol

from ._encoding import b64url_decode, b64url_encode
from ._jws import decode_jws, sign_jws
from ._keys import KeySet, Purpose, Signer
from .errors import KeyOutsideWindow, Malformed, PolicyViolation, StatusOutOfBounds, StatusUnavailable

BITS = 2
PER_BYTE = 8 // BITS
MIN_ENTRIES = 1 << 17
"""The smallest published list: 131,072 entries (32 KiB before compression)."""
MAX_ENTRIES = 1 << 24
STATUS_LIST_TYP = "statuslist+jwt"


def status_list_size(issued: int) -> int:
    """How many entries a published list has while indexes ``0 .. issued - 1`` are in use.

    At least :data:`MIN_ENTRIES`, so the size says nothing about how many certificates a small
    authority ever issued or revoked, and doubled whenever more than three quarters would be in
    use: a list grows rarely, in large steps, and a copy cached before a growth still covers every
    certificate issued up to a quarter of its size later.
    """
    if not 0 <= issued <= MAX_ENTRIES * 3 // 4:
        raise ValueError(f"{issued} indexes do not fit in a status list")
    size = MIN_ENTRIES
    while issued * 4 > size * 3:
        size *= 2
    return size


class Status(IntEnum):
    """The status of one certificate version."""

    VALID = 0
    REVOKED = 1
    """Revoked or cancelled (the list's INVALID)."""
    SUSPENDED = 2
    SUPERSEDED = 3
    """Replaced by a newer version (application-specific value 0x03)."""


class StatusList:
    """A fixed number of 2-bit statuses. ``data`` holds the first entries; entries past it and
    before ``size`` are VALID (zero bytes, written out only when encoded)."""

    __slots__ = ("data", "size")

    def __init__(self, data: bytes | bytearray = b"", *, size: int | None = None) -> None:
        self.data = bytearray(data)
        stored = len(self.data) * PER_BYTE
        if size is None:
            size = stored
        if size < stored or size % PER_BYTE or size > MAX_ENTRIES:
            raise ValueError(f"a status list of {size} entries cannot hold {stored}")
        self.size = size

    def __len__(self) -> int:
        return self.size

    def get(self, index: int) -> Status:
        """The status at ``index``; :class:`StatusOutOfBounds` past the end of the list."""
        if not 0 <= index < self.size:
            raise StatusOutOfBounds(f"index {index} is out of bounds of a status list of {self.size} entries")
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
            self.size = max(self.size, len(self.data) * PER_BYTE)
        shift = BITS * (index % PER_BYTE)
        self.data[byte] = (self.data[byte] & ~(0b11 << shift)) | (int(status) << shift)

    def encode(self) -> str:
        """The ``lst`` member: all ``size`` entries, zlib-compressed, base64url."""
        packer = zlib.compressobj(9)
        packed = packer.compress(bytes(self.data)) + packer.compress(
            bytes(self.size // PER_BYTE - len(self.data))
        )
        return b64url_encode(packed + packer.flush())

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


class StatusReading(NamedTuple):
    """What a :class:`StatusSource` knows of one entry: its status, as of when (epoch seconds),
    and until when the source's word may be relied on (``None``: it is read live)."""

    status: Status
    as_of: int
    expires_at: int | None = None


class StatusSource(Protocol):
    """Where a :class:`~signing.Verifier` learns a certificate's status (step 6)."""

    def status(self, issuer: str, index: int) -> StatusReading:
        """The status of entry ``index`` of ``issuer``'s list.

        Raises :class:`~signing.errors.StatusUnavailable` when no list of ``issuer`` is known and
        :class:`~signing.errors.StatusOutOfBounds` when the list has no entry ``index``.
        """
        ...


class StatusLists:
    """A :class:`StatusSource` over verified status list tokens (the newest one per issuer)."""

    def __init__(self, lists: Iterable[SignedStatusList] = ()) -> None:
        self._by_issuer: dict[str, SignedStatusList] = {}
        for signed in lists:
            known = self._by_issuer.get(signed.issuer)
            if known is None or signed.issued_at > known.issued_at:
                self._by_issuer[signed.issuer] = signed

    @classmethod
    def from_tokens(cls, tokens: Iterable[str], keys: KeySet) -> StatusLists:
        """Verify each token with ``keys`` (:func:`verify_status_list`) and keep them."""
        return cls(verify_status_list(token, keys) for token in tokens)

    def status(self, issuer: str, index: int) -> StatusReading:
        """The status of ``index`` in ``issuer``'s list, as of the list's signing time."""
        signed = self._by_issuer.get(issuer)
        if signed is None:
            raise StatusUnavailable(f"no status list for issuer {issuer}")
        return StatusReading(signed.statuses.get(index), signed.issued_at, signed.expires_at)
