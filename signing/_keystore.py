"""A folder of private keys: ``<kid>.pem`` (PKCS#8, optionally encrypted) beside ``<kid>.json``.

The folder lives outside the repository (an instance folder or a configured path). Files are
written atomically with owner-only permissions. The store answers which key signs now for a
purpose, and which public keys still matter to verifiers.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ._keys import KeyInfo, KeySet, LocalKey, PublicKey, Purpose, is_kid
from .errors import KeyHandlingError

YEAR = 365 * 24 * 3600
DAY = 24 * 3600
MATTERS_AFTER_RETIREMENT = {
    Purpose.CERTIFICATE: 7 * YEAR,
    Purpose.PRESENTATION: DAY,
    Purpose.AUDIT: 7 * YEAR,
    Purpose.KEYS: DAY,
}
"""How long a key stays listed in the key-status document after it stops signing: longer than
anything it signed can be valid (certificates: 6 years; presentations: minutes; audit
checkpoints are checked years later)."""
STANDARD_AFTER_RETIREMENT = {**MATTERS_AFTER_RETIREMENT, Purpose.PRESENTATION: 5 * 60}
"""How long a retired key stays in the JWKS that standard libraries read, which cannot check a
signing window: a presentation lives at most 120 s (+ 60 s clock allowance), so a retired
presentation key leaves it after 5 minutes; a certificate key stays while what it signed can
be valid (it never signs after retirement: anything newer means compromise, which removes it)."""


def standard_safe(info: KeyInfo, now: int) -> bool:
    """Whether a standard library may use this key at ``now`` to accept a signature: never a
    compromised key, never one whose window has not opened, and a retired one only while what
    it signed while it could can still be valid (:data:`STANDARD_AFTER_RETIREMENT`)."""
    if info.compromised_at is not None or info.not_before > now:
        return False
    return info.not_after is None or now < info.not_after + STANDARD_AFTER_RETIREMENT[info.purpose]


def standard_jwks(
    keys: Iterable[PublicKey], *, now: int, purpose: Purpose | None = None, issuer: str | None = None
) -> dict[str, Any]:
    """The JWKS document for standard libraries at ``now``: the :func:`standard_safe` keys (of
    ``purpose`` and ``issuer`` when given: one issuer's certificate keys, or the presentation
    keys), key material only."""
    chosen = [
        key
        for key in keys
        if standard_safe(key.info, now)
        and (purpose is None or key.info.purpose == purpose)
        and (issuer is None or key.info.issuer == issuer)
    ]
    return KeySet(chosen).to_jwks()


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fields(info: KeyInfo) -> dict[str, object]:
    return {name: getattr(info, name) for name in KeyInfo.__dataclass_fields__}


def _may_sign(info: KeyInfo, now: int) -> bool:
    return info.compromised_at is None and info.signs_at(now)


class FileKeyStore:
    """Private keys in one folder; ``password`` decrypts (and encrypts new) PEM files."""

    def __init__(self, folder: str | os.PathLike[str], password: bytes | None = None) -> None:
        self.folder = Path(folder)
        self.password = password or None
        self._material: dict[str, LocalKey] = {}

    def _paths(self, kid: str) -> tuple[Path, Path]:
        if not is_kid(kid):
            raise KeyHandlingError(f"{kid!r} is not a key id")
        return self.folder / f"{kid}.pem", self.folder / f"{kid}.json"

    def save(self, key: LocalKey) -> None:
        """Write a key's PEM (only if new) and its metadata."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        pem, meta = self._paths(key.info.kid)
        if not pem.exists():
            _write_atomic(pem, key.to_pem(self.password), 0o600)
        text = json.dumps(key.info.to_dict(), indent=2, sort_keys=True) + "\n"
        _write_atomic(meta, text.encode(), 0o600)
        self._material[key.info.kid] = key

    def infos(self) -> list[KeyInfo]:
        """Metadata of every key in the folder, oldest first."""
        if not self.folder.is_dir():
            return []
        infos = []
        for meta in self.folder.glob("*.json"):
            try:
                infos.append(KeyInfo.from_dict(json.loads(meta.read_text())))
            except (ValueError, KeyHandlingError) as exc:
                raise KeyHandlingError(f"{meta.name}: {exc}") from exc
        return sorted(infos, key=lambda info: (info.not_before, info.kid))

    def load(self, kid: str) -> LocalKey:
        """The private key ``kid`` with its current metadata (the key material is parsed once;
        the metadata is read every time, so changes made by another process are seen)."""
        pem, meta = self._paths(kid)
        try:
            info = KeyInfo.from_dict(json.loads(meta.read_text()))
        except FileNotFoundError:
            raise KeyHandlingError(f"no key {kid} in {self.folder}") from None
        cached = self._material.get(kid)
        if cached is not None:
            return cached if cached.info == info else cached.with_info(**_fields(info))
        if not pem.exists():
            raise KeyHandlingError(f"no key {kid} in {self.folder}")
        key = LocalKey.from_pem(pem.read_bytes(), info, self.password)
        self._material[kid] = key
        return key

    def __iter__(self) -> Iterator[LocalKey]:
        return (self.load(info.kid) for info in self.infos())

    def generate(
        self,
        alg: str,
        purpose: Purpose,
        *,
        now: int,
        valid_days: int | None = None,
        issuer: str | None = None,
    ) -> LocalKey:
        """Make, save and return a new key that signs from ``now``."""
        not_after = None if valid_days is None else now + valid_days * DAY
        key = LocalKey.generate(alg, purpose, not_before=now, not_after=not_after, issuer=issuer)
        self.save(key)
        return key

    def retire(self, kid: str, *, now: int) -> LocalKey:
        """Stop ``kid`` signing from ``now``; what it signed before stays valid."""
        key = self.load(kid)
        if key.info.not_after is not None and key.info.not_after <= now:
            raise KeyHandlingError(f"key {kid} is already retired")
        key = key.with_info(not_after=now)
        self.save(key)
        return key

    def mark_compromised(self, kid: str, *, now: int) -> LocalKey:
        """Mark ``kid`` compromised: it stops signing and nothing it signed verifies any more."""
        key = self.load(kid)
        end = now if key.info.not_after is None else min(key.info.not_after, now)
        key = key.with_info(not_after=end, compromised_at=now)
        self.save(key)
        return key

    def signer(self, purpose: Purpose, *, now: int, issuer: str | None = None) -> LocalKey:
        """The newest uncompromised key of ``purpose`` (and ``issuer``) that may sign at ``now``."""
        for info in reversed(self.infos()):
            if info.purpose == purpose and info.issuer == issuer and _may_sign(info, now):
                return self.load(info.kid)
        who = f" for issuer {issuer}" if issuer else ""
        raise KeyHandlingError(f"no {purpose.value} key{who} can sign now")

    def certificate_issuers(self, *, now: int) -> frozenset[str]:
        """The issuers that have a certificate key able to sign at ``now`` (for whom
        :meth:`signer` finds a key)."""
        return frozenset(
            info.issuer
            for info in self.infos()
            if info.purpose == Purpose.CERTIFICATE and info.issuer is not None and _may_sign(info, now)
        )

    def published(self, *, now: int) -> KeySet:
        """The public keys that can still matter, with their rules (what the key-status document
        lists): signing, or retired recently enough that something they signed may still be
        valid; compromised ones stay, marked, so verifiers say so. The JWKS publishes only the
        :func:`standard_safe` ones."""
        keys = []
        for info in self.infos():
            end = info.not_after
            if end is None or end + MATTERS_AFTER_RETIREMENT[info.purpose] > now:
                keys.append(self.load(info.kid).public)
        return KeySet(keys)
