"""Signed checkpoints of an append-only hash chain's head (the service's audit log).

A checkpoint says "at time ``iat`` the chain held ``seq`` events and its head hash was ``hash``",
signed with an audit key that lives outside the database. Anyone holding the public key can later
tell a chain that was truncated (it ends before ``seq``) or rewritten (its event ``seq`` has another
hash) from one that only grew.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._jws import decode_jws, sign_jws
from ._keys import KeySet, Purpose, Signer
from .errors import Malformed, PolicyViolation

CHECKPOINT_TYP = "vnd.rtcert.audit-checkpoint+jwt"
_HASH_LENGTH = 64


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A verified checkpoint."""

    seq: int
    hash: str
    issued_at: int
    kid: str


def sign_checkpoint(seq: int, head_hash: str, signer: Signer, *, now: int) -> str:
    """Sign the chain's head (``seq`` events, last hash ``head_hash``) as a compact JWS."""
    info = signer.public.info
    if info.purpose != Purpose.AUDIT:
        raise PolicyViolation(f"key {info.kid} does not sign audit checkpoints")
    if seq < 0 or len(head_hash) != _HASH_LENGTH:
        raise Malformed("a checkpoint needs a sequence number and a SHA-256 hex hash")
    header = {"alg": info.alg, "kid": info.kid, "typ": CHECKPOINT_TYP}
    return sign_jws(header, {"seq": seq, "hash": head_hash, "iat": now}, signer)


def verify_checkpoint(token: str, keys: KeySet) -> Checkpoint:
    """Verify a checkpoint's signature with an audit key of ``keys``; its content, or a
    :class:`~signing.errors.VerificationError`."""
    claims, key = decode_jws(token, keys, Purpose.AUDIT, CHECKPOINT_TYP)
    seq, head_hash, issued_at = claims.get("seq"), claims.get("hash"), claims.get("iat")
    if type(seq) is not int or type(issued_at) is not int or seq < 0:
        raise Malformed("checkpoint claims seq and iat must be non-negative integers")
    if not isinstance(head_hash, str) or len(head_hash) != _HASH_LENGTH:
        raise Malformed("checkpoint claim hash must be a SHA-256 hex digest")
    return Checkpoint(seq, head_hash, issued_at, key.kid)
