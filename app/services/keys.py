"""Key management: generate, rotate, retire and publish signing keys, each change audited."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.orm import Session

from signing import FileKeyStore, KeyInfo, KeySet, LocalKey, Purpose, sign_key_status, standard_jwks
from signing.errors import KeyHandlingError

from .audit import record

SYSTEM_ACTOR = "system"


DEFAULT_ALGORITHM = "ES256"
"""P-256 for new keys: every phone browser's WebCrypto verifies it (Ed25519 arrived in Chrome only
in 2025, so older Android WebViews could not check an Ed25519 code offline), its verify is about
1.5x faster than Ed25519's here, and its COSE signature is the same 64 bytes."""


def keystore(config: Any) -> FileKeyStore:
    """The key folder named by the app's configuration."""
    password = config.get("KEY_PASSWORD")
    return FileKeyStore(config["KEYS_DIR"], password.encode() if password else None)


def app_keystore(app: Any) -> FileKeyStore:
    """The app's key store, made once per app so parsed key material is reused."""
    store: FileKeyStore | None = app.extensions.get("keystore")
    if store is None:
        store = app.extensions["keystore"] = keystore(app.config)
    return store


def _audit(
    session: Session,
    actor: str,
    action: str,
    key: LocalKey,
    before: KeyInfo | None,
    reason: str | None = None,
) -> None:
    record(
        session,
        actor=actor,
        action=action,
        target_type="signing_key",
        target_id=key.info.kid,
        authority=key.info.issuer,
        reason=reason,
        before=None if before is None else before.to_dict(),
        after=key.info.to_dict(),
    )


def generate(
    store: FileKeyStore,
    session: Session,
    *,
    actor: str,
    purpose: Purpose,
    alg: str = DEFAULT_ALGORITHM,
    issuer: str | None = None,
    valid_days: int | None = None,
    now: int | None = None,
) -> LocalKey:
    """Make a key that signs from now, save it, and record the event."""
    when = int(time.time()) if now is None else now
    key = store.generate(alg, purpose, now=when, valid_days=valid_days, issuer=issuer)
    _audit(session, actor, "key.generate", key, None)
    return key


def rotate(
    store: FileKeyStore,
    session: Session,
    *,
    actor: str,
    purpose: Purpose,
    issuer: str | None = None,
    alg: str = DEFAULT_ALGORITHM,
    valid_days: int | None = None,
) -> tuple[LocalKey, list[LocalKey]]:
    """Add a new signing key for ``purpose`` and retire the ones it replaces. What the old keys
    signed stays valid: their public halves stay published."""
    now = int(time.time())
    old = [
        key
        for key in store
        if key.info.purpose == purpose
        and key.info.issuer == issuer
        and key.info.compromised_at is None
        and key.info.signs_at(now)
    ]
    new = store.generate(alg, purpose, now=now, valid_days=valid_days, issuer=issuer)
    _audit(session, actor, "key.rotate", new, None)
    retired = []
    for key in old:
        before = key.info
        retired_key = store.retire(key.info.kid, now=now)
        _audit(session, actor, "key.retire", retired_key, before, reason=f"rotated to {new.info.kid}")
        retired.append(retired_key)
    return new, retired


def retire(
    store: FileKeyStore,
    session: Session,
    *,
    actor: str,
    kid: str,
    compromised: bool = False,
    reason: str | None = None,
) -> LocalKey:
    """Stop a key signing; ``compromised`` also makes everything it signed fail verification."""
    now = int(time.time())
    before = store.load(kid).info
    if compromised:
        key = store.mark_compromised(kid, now=now)
        _audit(session, actor, "key.compromised", key, before, reason)
    else:
        key = store.retire(kid, now=now)
        _audit(session, actor, "key.retire", key, before, reason)
    return key


def ensure_development_keys(store: FileKeyStore, session: Session, issuers: list[str]) -> list[LocalKey]:
    """Generate a presentation key, an audit key, a key-status key and one certificate key per
    issuer where none can sign."""
    now = int(time.time())
    made = []
    wanted: list[tuple[Purpose, str | None]] = [
        (Purpose.PRESENTATION, None),
        (Purpose.AUDIT, None),
        (Purpose.KEYS, None),
    ]
    wanted += [(Purpose.CERTIFICATE, issuer) for issuer in issuers]
    for purpose, issuer in wanted:
        if not any(
            info.purpose == purpose
            and info.issuer == issuer
            and info.compromised_at is None
            and info.signs_at(now)
            for info in store.infos()
        ):
            made.append(generate(store, session, actor=SYSTEM_ACTOR, purpose=purpose, issuer=issuer, now=now))
    return made


def published_keys(store: FileKeyStore) -> KeySet:
    """The public keys that matter now, with their rules (compromised ones included)."""
    return store.published(now=int(time.time()))


def jwks_document(
    store: FileKeyStore, *, purpose: Purpose | None = None, issuer: str | None = None
) -> dict[str, Any]:
    """The JWKS for standard libraries (all uses, or one issuer's certificate keys, or the
    presentation keys): only keys they may trust, key material only."""
    now = int(time.time())
    return standard_jwks(store.published(now=now), now=now, purpose=purpose, issuer=issuer)


_signed_status: dict[tuple[str, tuple[KeyInfo, ...]], str] = {}


def key_status_document(store: FileKeyStore) -> str:
    """The signed key-status document: the rules of every key that matters, signed by the newest
    key-status key. Signed again only when a key or the signing key changes (per process; every
    process signs the same bytes, so its ETag is the same from every worker);
    :class:`KeyHandlingError` when no key-status key can sign."""
    now = int(time.time())
    signer = store.signer(Purpose.KEYS, now=now)
    infos = tuple(key.info for key in store.published(now=now))
    memo = (signer.info.kid, infos)
    token = _signed_status.get(memo)
    if token is None:
        token = sign_key_status(infos, signer, now=now)
        if len(_signed_status) > 64:
            _signed_status.clear()
        _signed_status[memo] = token
    return token


def can_sign_presentations(store: FileKeyStore, now: int) -> bool:
    """Whether a presentation key can sign now (none after the only one was withdrawn as compromised:
    holders' phones then show no code until a new key is made)."""
    try:
        store.signer(Purpose.PRESENTATION, now=now)
    except KeyHandlingError:
        return False
    return True
